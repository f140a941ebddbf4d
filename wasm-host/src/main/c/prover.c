/*
 * A stand-in for a real "prover": setup builds a large state table once, prove answers from it
 * and leaks memory on every call (as the real one does), so the host's memory limit and instance
 * recycling have something honest to work on. Also holds small exports that exercise the host:
 * buffer passing (reverse), a trap (boom), integer division (div, traps on zero) and a loop the
 * host must be able to interrupt (spin).
 */
#include "alloc.h"

typedef struct {
    uint32_t n_words;
    uint64_t *table;
} state_t;

/* splitmix64's finaliser: cheap, deterministic, spreads bits over the whole table */
static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Builds n_mib MiB of state; returns a handle (pointer to the state) or 0 when out of memory. */
EXPORT("setup") int32_t setup(int32_t n_mib) {
    if (n_mib < 0 || n_mib > 4095) return 0;
    state_t *s = alloc(sizeof(state_t));
    if (!s) return 0;
    s->n_words = (uint32_t)n_mib * (1024u * 1024u / 8u);
    s->table = alloc(s->n_words * 8u);
    if (!s->table) return 0;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (uint32_t i = 0; i < s->n_words; i++) {
        x = mix(x + i);
        s->table[i] = x;
    }
    return (int32_t)(uintptr_t)s;
}

/* FNV-1a over the whole table: what a host compares to check that a replayed setup is identical. */
EXPORT("state_digest") int64_t state_digest(int32_t handle) {
    const state_t *s = (const state_t *)(uintptr_t)handle;
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t i = 0; i < s->n_words; i++) {
        h ^= s->table[i];
        h *= 1099511628211ULL;
    }
    return (int64_t)h;
}

/*
 * Like setup, but the table is seeded by the heap's current top, so its contents depend on every
 * allocation before it (leaks included): a replay that skips those calls builds a different table.
 * The tests use it to show that the host catches a non-deterministic replay.
 */
EXPORT("setup_unstable") int32_t setup_unstable(int32_t n_mib) {
    uint64_t salt = (uint64_t)heap_top();
    int32_t handle = setup(n_mib);
    if (handle) {
        state_t *s = (state_t *)(uintptr_t)handle;
        for (uint32_t i = 0; i < s->n_words; i++) s->table[i] ^= mix(salt + i);
    }
    return handle;
}

/* FNV-1a over a strided sample of the table; leaks leak_kib KiB (-1 when that cannot be had). */
EXPORT("prove") int64_t prove(int32_t handle, int32_t leak_kib) {
    const state_t *s = (const state_t *)(uintptr_t)handle;
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t i = 0; i < s->n_words; i += 61) {
        h ^= s->table[i];
        h *= 1099511628211ULL;
    }
    if (leak_kib > 0) {
        unsigned char *junk = alloc((uint32_t)leak_kib * 1024u);
        if (!junk) return -1;
        /* touch every page so the leak is real memory, not just a moved pointer */
        for (uint32_t i = 0; i < (uint32_t)leak_kib * 1024u; i += 4096) junk[i] = (unsigned char)h;
    }
    return (int64_t)h;
}

/* Writes in[0..len) reversed to out and returns the sum of the bytes: buffer passing both ways. */
EXPORT("reverse") int32_t reverse(const unsigned char *in, int32_t len, unsigned char *out) {
    int32_t sum = 0;
    for (int32_t i = 0; i < len; i++) {
        out[len - 1 - i] = in[i];
        sum += in[i];
    }
    return sum;
}

/* Sums 0..n-1; loops forever when n < 0 (volatile: the optimiser must not fold the loop away). */
EXPORT("spin") int64_t spin(int64_t n) {
    volatile int64_t acc = 0;
    for (int64_t i = 0; n < 0 || i < n; i++) acc += i;
    return acc;
}

/* Executes the wasm 'unreachable' instruction: a trap. */
EXPORT("boom") int32_t boom(void) { __builtin_trap(); }

/* Signed division; wasm traps on a zero divisor (and on INT32_MIN / -1). */
EXPORT("div") int32_t div(int32_t a, int32_t b) { return a / b; }
