/*
 * A native build of wasi_text.c's exports, for comparing the wasm module's answers with the same
 * C run natively (build-test-modules.sh links them into wasi_text_native):
 *   wasi_text_native greet N     prints greet's output, then "= result"
 *   wasi_text_native fnv1a       reads stdin, prints "= fnv1a(stdin)"
 *   wasi_text_native upper       reads stdin, writes it upper-cased
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int32_t greet(int32_t n);
int64_t fnv1a(const uint8_t *data, int32_t len);
int32_t upper(const char *in, int32_t len, char *out);

static uint8_t *read_all(size_t *len) {
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "greet") == 0) {
        int32_t r = greet((int32_t)atoi(argv[2]));
        printf("= %d\n", r);
        return 0;
    }
    size_t len;
    uint8_t *data = read_all(&len);
    if (!data) return 2;
    if (argc == 2 && strcmp(argv[1], "fnv1a") == 0) {
        printf("= %lld\n", (long long)fnv1a(data, (int32_t)len));
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "upper") == 0) {
        char *out = malloc(len + 1);
        upper((const char *)data, (int32_t)len, out);
        fwrite(out, 1, len, stdout);
        return 0;
    }
    return 2;
}
