/*
 * The native build of stream_hash.c (build-test-modules.sh links them into stream_hash_native):
 *   stream_hash_native SEED LEN...   reads stdin, feeds it to one state in chunks of those
 *                                    lengths, prints "= digest"
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

intptr_t xxh_new(int64_t seed);
int32_t xxh_update(intptr_t state, const uint8_t *data, int32_t len);
int64_t xxh_digest(intptr_t state);

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    intptr_t state = xxh_new(strtoll(argv[1], NULL, 10));
    for (int i = 2; i < argc; i++) {
        int32_t len = (int32_t)atoi(argv[i]);
        uint8_t *chunk = malloc((size_t)len + 1);
        if (!chunk || fread(chunk, 1, (size_t)len, stdin) != (size_t)len) return 3;
        xxh_update(state, chunk, len);
        free(chunk);
    }
    printf("= %lld\n", (long long)xxh_digest(state));
    return 0;
}
