/*
 * The cache level every language-model kernel's software fetches go to — the weights' strips and
 * rows, the file layout's next strip, the cached keys and values: L2 (prefetcht2), not L1. On a
 * Zen 4 (family 25 model 17), in C, a stories110M-sized token of products from memory took
 * 0.57-0.81x the time that way, attention over a long context half the time; the JVM's decoding on
 * one thread made 1.1-1.5x the tokens a second. The distances were chosen on a Zen 5 with L1
 * (prefetcht0), and a Zen 5 still fetches there in the interleaved kernels: a file that defines
 * WG_FETCH_L1 before including this one (llm_interleaved_kernels_l1.c) fetches into L1.
 */
#ifndef WG_LLM_FETCH_H
#define WG_LLM_FETCH_H

#include <immintrin.h>

/* Fetches the cache line holding `at`. */
static inline __attribute__((always_inline)) void fetch_line(const void *at) {
#ifdef WG_FETCH_L1
  _mm_prefetch((const char *)at, _MM_HINT_T0);
#else
  _mm_prefetch((const char *)at, _MM_HINT_T2);
#endif
}

/* The CPU's family where AMD made it (25 a Zen 4, 26 a Zen 5), else 0: where a fetch pays differs
 * between them (llm_interleaved_kernels.c). */
int wg_amd_family(void);

#endif
