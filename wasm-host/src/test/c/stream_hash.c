/*
 * A streaming hash as C libraries offer one (xxHash's XXH64_createState/update/digest): a state
 * made by xxh_new, fed by xxh_update with buffers, read by xxh_digest. Every update changes the
 * state, so a host that recycles the instance must replay each update with its bytes. Also
 * xxh_ballast, which keeps memory allocated as part of the state. Built for wasm32 against
 * wasi-libc (malloc) by build-test-modules.sh, and natively with stream_hash_main.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(name)))
#else
#define EXPORT(name)
#endif

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

typedef struct {
    uint64_t total, seed, v[4];
    uint8_t mem[32];
    uint32_t memsize;
} xxh_state;

static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static uint64_t read64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint32_t read32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t round64(uint64_t acc, uint64_t input) {
    acc += input * P2;
    acc = rotl(acc, 31);
    return acc * P1;
}

static uint64_t merge(uint64_t acc, uint64_t val) {
    acc ^= round64(0, val);
    return acc * P1 + P4;
}

static void stripe(xxh_state *s, const uint8_t *p) {
    for (int i = 0; i < 4; i++) s->v[i] = round64(s->v[i], read64(p + 8 * i));
}

/* A new state with the seed; returns its address (an i32 in wasm32; 0 when out of memory). */
EXPORT("xxh_new") intptr_t xxh_new(int64_t seed) {
    xxh_state *s = calloc(1, sizeof *s);
    if (!s) return 0;
    s->seed = (uint64_t)seed;
    s->v[0] = s->seed + P1 + P2;
    s->v[1] = s->seed + P2;
    s->v[2] = s->seed;
    s->v[3] = s->seed - P1;
    return (intptr_t)s;
}

/* Feeds len bytes to the state; returns 0 (OK), as XXH64_update does. */
EXPORT("xxh_update") int32_t xxh_update(intptr_t state, const uint8_t *data, int32_t len) {
    xxh_state *s = (xxh_state *)state;
    const uint8_t *p = data, *end = data + len;
    s->total += (uint64_t)len;
    if (s->memsize + (uint32_t)len < 32) {
        memcpy(s->mem + s->memsize, p, (size_t)len);
        s->memsize += (uint32_t)len;
        return 0;
    }
    if (s->memsize) {
        uint32_t fill = 32 - s->memsize;
        memcpy(s->mem + s->memsize, p, fill);
        stripe(s, s->mem);
        p += fill;
        s->memsize = 0;
    }
    while (p + 32 <= end) {
        stripe(s, p);
        p += 32;
    }
    if (p < end) {
        memcpy(s->mem, p, (size_t)(end - p));
        s->memsize = (uint32_t)(end - p);
    }
    return 0;
}

/* The digest of what the state has been fed; the state is unchanged. */
EXPORT("xxh_digest") int64_t xxh_digest(intptr_t state) {
    const xxh_state *s = (const xxh_state *)state;
    uint64_t h;
    if (s->total >= 32) {
        h = rotl(s->v[0], 1) + rotl(s->v[1], 7) + rotl(s->v[2], 12) + rotl(s->v[3], 18);
        for (int i = 0; i < 4; i++) h = merge(h, s->v[i]);
    } else {
        h = s->seed + P5;
    }
    h += s->total;
    const uint8_t *p = s->mem, *end = s->mem + s->memsize;
    while (p + 8 <= end) {
        h ^= round64(0, read64(p));
        h = rotl(h, 27) * P1 + P4;
        p += 8;
    }
    if (p + 4 <= end) {
        h ^= (uint64_t)read32(p) * P1;
        h = rotl(h, 23) * P2 + P3;
        p += 4;
    }
    while (p < end) {
        h ^= (*p) * P5;
        h = rotl(h, 11) * P1;
        p++;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return (int64_t)h;
}

/* Keeps kib KiB allocated and written, as a large state does; returns the block's address. */
EXPORT("xxh_ballast") intptr_t xxh_ballast(int32_t kib) {
    uint8_t *block = malloc((size_t)kib * 1024);
    if (!block) return 0;
    memset(block, 0x5a, (size_t)kib * 1024);
    return (intptr_t)block;
}
