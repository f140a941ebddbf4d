/*
 * F32 matrix-vector products for the JVM's language-model path (dev.wasmgrid.llm.jvm.
 * NativeKernels), part of the same library as llm_kernels.c: the weights read straight from the
 * file's mapping rather than copied onto the Java heap, where an array's payload sits 16 bytes into
 * a cache line and every 512-bit load of the Vector API's straddles two lines (a stories110M-sized
 * product drew 27 GB/s that way on one Zen 5 core, 35 here).
 *
 * Every (row, vector) sum is taken in one order whatever the rows and vectors computed together:
 * 16 lanes in two registers, lane j the multiply-adds of columns j, j + 16, j + 32, ... in turn (a
 * lane past a row's end left as it is), then the lanes added in halves: j + 8, j + 4, j + 2, j + 1.
 * The loads are 256 bits wide: a GGUF file aligns its tensors to 32 bytes, so none straddles two
 * cache lines. (512-bit loads, each row's columns rotated so that they start at a line, measured
 * 33 GB/s against these 36 on one Zen 5 core.)
 */
#include "llm_fetch.h"
#include <immintrin.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/*
 * How far ahead of its loads each row's stream fetches (bytes): a line per row per 16 columns. A
 * stories110M-sized token of products from memory (in C on a Zen 5, taking turns with the same
 * loop without the fetches in one process) took 0.89x the time with it on 1 and 2 threads, 0.96
 * and 0.91 of a plain four-stream read's bandwidth; 512 bytes and 2 KiB ahead were 10% slower.
 * Fetched at llm_fetch.h's level, L2 rather than L1: on a Zen 4 one thread's products took
 * 0.67-0.68x the time, the JVM's decoding 1.1-1.2x the tokens a second.
 */
#define AHEAD_F32 1024

/* Lanes 0-7 (lo) and 8-15 (hi) added in halves. */
ALWAYS_INLINE float f32_sum(__m256 lo, __m256 hi) {
  __m256 s = _mm256_add_ps(lo, hi);
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

/* Masks for the last `left` (1 to 15) columns of a row: lanes 0-7 and 8-15. */
ALWAYS_INLINE void f32_masks(int left, __m256i *lo, __m256i *hi) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  *lo = _mm256_cmpgt_epi32(_mm256_set1_epi32(left), lane);
  *hi = _mm256_cmpgt_epi32(_mm256_set1_epi32(left - 8), lane);
}

/* acc + w·x in the lanes of mask m, acc elsewhere. */
ALWAYS_INLINE __m256 f32_fma_masked(__m256 w, __m256 x, __m256 acc, __m256i m) {
  return _mm256_blendv_ps(acc, _mm256_fmadd_ps(w, x, acc), _mm256_castsi256_ps(m));
}

/* Rows w[0..R) by the vector x: res[r]. */
ALWAYS_INLINE void f32_tile(const float *const *w, const float *x, int cols, int R, float *res) {
  __m256 lo[4], hi[4];
  for (int r = 0; r < R; r++) lo[r] = hi[r] = _mm256_setzero_ps();
  int c = 0;
  for (; c + 16 <= cols; c += 16) {
    __m256 xl = _mm256_loadu_ps(x + c), xh = _mm256_loadu_ps(x + c + 8);
    for (int r = 0; r < R; r++) {
      fetch_line((const char *)(w[r] + c) + AHEAD_F32);
      lo[r] = _mm256_fmadd_ps(_mm256_loadu_ps(w[r] + c), xl, lo[r]);
      hi[r] = _mm256_fmadd_ps(_mm256_loadu_ps(w[r] + c + 8), xh, hi[r]);
    }
  }
  if (c < cols) {
    __m256i ml, mh;
    f32_masks(cols - c, &ml, &mh);
    __m256 xl = _mm256_maskload_ps(x + c, ml), xh = _mm256_maskload_ps(x + c + 8, mh);
    for (int r = 0; r < R; r++) {
      lo[r] = f32_fma_masked(_mm256_maskload_ps(w[r] + c, ml), xl, lo[r], ml);
      hi[r] = f32_fma_masked(_mm256_maskload_ps(w[r] + c + 8, mh), xh, hi[r], mh);
    }
  }
  for (int r = 0; r < R; r++) res[r] = f32_sum(lo[r], hi[r]);
}

/*
 * Rows [from, to) of a row-major F32 matrix (row r at w + r·rowFloats, `cols` floats) times n
 * vectors of `cols` floats (vector v at x + v·cols): out[v·outStride + r]. Four rows at a time from
 * the four quarters of the range, four sequential streams side by side (as wg_rows's Q8_0 with one
 * vector), each four by every vector in turn: the vectors after the first find the rows in L1.
 */
void wg_rows_f32(const float *w, long rowFloats, int from, int to, int cols, const float *x, int n,
                 float *out, long outStride) {
  float res[4];
  int part = (to - from) / 4;
  for (int r = from; r < from + part; r++) {
    const float *rows[4] = {w + r * rowFloats, w + (r + part) * rowFloats,
                            w + (r + 2L * part) * rowFloats, w + (r + 3L * part) * rowFloats};
    for (int v = 0; v < n; v++) {
      f32_tile(rows, x + (long)v * cols, cols, 4, res);
      for (int i = 0; i < 4; i++) out[v * outStride + r + i * part] = res[i];
    }
  }
  for (int r = from + 4 * part; r < to; r++) {
    const float *row = w + r * rowFloats;
    for (int v = 0; v < n; v++) {
      f32_tile(&row, x + (long)v * cols, cols, 1, res);
      out[v * outStride + r] = res[0];
    }
  }
}
