/*
 * A module as people build them against wasi-libc (a "reactor": no main, its exports are called
 * after _initialize): printf to stdout and stderr, malloc/free, a file open the sandbox denies,
 * random bytes, the clock and exit(). Built by build-test-modules.sh; the tests compare its answers
 * with the same functions computed on the host.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(name)))
#else /* the native build of the same functions (wasi_text_main.c) */
#define EXPORT(name)
#endif

/* Prints a greeting on stdout and a note on stderr; returns 2n. */
EXPORT("greet") int32_t greet(int32_t n) {
    printf("hello %d from wasi-libc\n", n);
    fprintf(stderr, "note: greet(%d)\n", n);
    fflush(stdout);
    fflush(stderr);
    return 2 * n;
}

/* FNV-1a 64 over a copy of the input in a malloc'd block that is freed again. */
EXPORT("fnv1a") int64_t fnv1a(const uint8_t *data, int32_t len) {
    uint8_t *copy = malloc((size_t)len + 1);
    if (!copy) return -1;
    memcpy(copy, data, (size_t)len);
    uint64_t h = 14695981039346656037ULL; /* FNV-1a 64 offset basis */
    for (int32_t i = 0; i < len; i++) {
        h ^= copy[i];
        h *= 1099511628211ULL;
    }
    free(copy);
    return (int64_t)h;
}

/* Writes the input upper-cased (ASCII) to out; returns len. */
EXPORT("upper") int32_t upper(const char *in, int32_t len, char *out) {
    for (int32_t i = 0; i < len; i++) {
        char c = in[i];
        out[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    return len;
}

/* Tries to open a host file: returns 0 when it opened (the sandbox failed), else errno. */
EXPORT("open_file") int32_t open_file(void) {
    FILE *f = fopen("/etc/passwd", "r");
    if (f) {
        fclose(f);
        return 0;
    }
    return errno == 0 ? -1 : errno;
}

/* 8 random bytes from the host (WASI random_get), as one number. */
EXPORT("random64") int64_t random64(void) {
    uint64_t r = 0;
    if (getentropy(&r, sizeof r) != 0) return 0;
    return (int64_t)r;
}

/* The realtime clock in milliseconds since the epoch. */
EXPORT("now_ms") int64_t now_ms(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return -1;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Prints a line and ends the "process" with the given status (WASI proc_exit). */
EXPORT("quit") void quit(int32_t status) {
    printf("bye %d\n", status);
    exit(status);
}

/* The same allocator under names a host cannot guess: the deployer names them (?alloc=&free=). */
EXPORT("buf_alloc") void *buf_alloc(int32_t size, int32_t align) {
    return aligned_alloc((size_t)align, ((size_t)size + (size_t)align - 1) / (size_t)align * (size_t)align);
}

EXPORT("buf_free") void buf_free(void *ptr, int32_t size) {
    (void)size;
    free(ptr);
}

#ifdef __wasm__
/* Emscripten's notice that memory grew, as its modules import it; the host ignores it. */
__attribute__((import_module("env"), import_name("emscripten_notify_memory_growth")))
void emscripten_notify_memory_growth(int32_t memory_index);

/* Grows the memory by a page, telling the host as Emscripten does; the previous size in pages. */
EXPORT("grow_page") int32_t grow_page(void) {
    int32_t before = (int32_t)__builtin_wasm_memory_grow(0, 1);
    emscripten_notify_memory_growth(0);
    return before;
}
#endif
