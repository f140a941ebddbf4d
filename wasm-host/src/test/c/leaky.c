// A stateful module that leaks, built against wasi-libc: setup() builds a table (the state), and
// every mix() call mallocs and touches memory it never frees, so that only recycling brings the
// memory back. Buffers go in and out through wasi-libc's malloc and free.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *table;
static uint32_t table_len;
// Where the last leaked block went: kept in a volatile global, so that the compiler cannot drop
// an allocation that nothing reads.
static uint8_t *volatile last_leak;

// Builds a table of kib KiB from seed; returns a handle to it (always 1: one table).
__attribute__((export_name("setup"))) int32_t setup(int32_t kib, int32_t seed) {
  free(table);
  table_len = (uint32_t)kib * 1024u;
  table = malloc(table_len);
  if (table == NULL) {
    return 0;
  }
  uint32_t x = (uint32_t)seed * 2654435761u + 1u;
  for (uint32_t i = 0; i < table_len; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    table[i] = (uint8_t)x;
  }
  printf("setup %d KiB\n", kib);
  return 1;
}

// Writes to out[0..8) the FNV-1a hash of in[0..len) mixed with the table, and leaks leak_kib KiB
// (written to, so that the pages are really used). Returns the byte sum of the input.
__attribute__((export_name("mix"))) int32_t mix(int32_t handle, const uint8_t *in, int32_t len,
                                                uint8_t *out, int32_t leak_kib) {
  if (handle != 1 || table == NULL) {
    return -1;
  }
  uint64_t h = 0xcbf29ce484222325ull; // FNV-1a offset basis
  int32_t sum = 0;
  for (int32_t i = 0; i < len; i++) {
    h = (h ^ (uint8_t)(in[i] ^ table[(uint32_t)i % table_len])) * 0x100000001b3ull; // FNV prime
    sum += in[i];
  }
  memcpy(out, &h, sizeof h);
  if (leak_kib > 0) {
    uint8_t *lost = malloc((size_t)leak_kib * 1024u);
    if (lost != NULL) {
      memset(lost, (int)(h & 0xff) | 1, (size_t)leak_kib * 1024u);
      last_leak = lost;
    }
  }
  return sum;
}
