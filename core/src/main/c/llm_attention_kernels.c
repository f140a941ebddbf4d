/*
 * Attention over a KV cache kept as 16-bit floats off the heap, for the JVM's language-model path
 * (dev.wasmgrid.llm.jvm.HalfKvStore), part of the same library as llm_kernels.c.
 *
 * Keys and values are read once per token and per stream, and with several streams or a long
 * context they are a large share of a step's bytes: at stories110M's shape, eight streams at
 * position 35 read 21 MB of float keys and values a step beside the weights' 119 MB. Halves are
 * half the bytes, as llama.cpp's default cache keeps them. In Java the conversion runs a value at
 * a time (Float.float16ToFloat is not vectorized on JDK 25): attention over halves there was slower
 * than over floats. Here F16C converts eight an instruction, and a call's heads read the rows
 * together, block by block (attend_heads).
 *
 * A cache layer holds position p's kvDim halves at p·kvDim; head h's at h·headSize of them.
 * Results depend only on the inputs, never on which heads or how many positions run together.
 */
#include "llm_fetch.h"
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int wg_isa(void);

/*
 * Positions in a block of attend_heads, and how far ahead of its reads a head fetches its rows. In
 * C on a Zen 4, a stories110M layer at position 1000 from memory: blocks of 8 took 1.08x the time
 * of 16, 32 and 64 1.4-1.5x; fetching 32 rows ahead was no faster than 16, 64 slower.
 */
#define BLOCK_ROWS 16
#define AHEAD_ROWS 16
/* Scores (and maxima) kept on the stack up to this many floats; more take them from malloc. */
#define STACK_SCORES 8192

static inline float sum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

static void halves(const float *src, uint16_t *dst, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128((__m128i *)(dst + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; i++) dst[i] = _cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
}

/* A key's and a value's n floats (at k, v) rounded to halves (to nearest, ties to even) at kd, vd. */
void wg_kv_store(const float *k, const float *v, uint16_t *kd, uint16_t *vd, int n) {
  halves(k, kd, n);
  halves(v, vd, n);
}

/*
 * e^x for x <= 0, within 3 units in the last place for x >= -87 (2.74 at worst over every float
 * from -87 to 0; below, e^-87, under 2^-125, is as good as 0 to a softmax): x = k·ln 2 + r, e^r by its Taylor polynomial of degree 6 on |r| <=
 * ln 2 / 2, times 2^k.
 */
static inline __m256 exp8(__m256 x) {
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
  __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.0f / 720);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  __m256i scale = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(scale));
}

/* The softmax of att[0..n), its largest value max: exponentials 8 at a time, then each / their sum. */
static void softmax(float *att, int n, float max) {
  __m256 m = _mm256_set1_ps(max), sums = _mm256_setzero_ps();
  int t = 0;
  for (; t + 8 <= n; t += 8) {
    __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(att + t), m));
    _mm256_storeu_ps(att + t, e);
    sums = _mm256_add_ps(sums, e);
  }
  if (t < n) {
    __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - t), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 e = exp8(_mm256_sub_ps(_mm256_maskload_ps(att + t, lanes), m));
    e = _mm256_and_ps(e, _mm256_castsi256_ps(lanes));
    _mm256_maskstore_ps(att + t, lanes, e);
    sums = _mm256_add_ps(sums, e);
  }
  float total = sum8(sums);
  __m256 sum = _mm256_set1_ps(total);
  for (t = 0; t + 8 <= n; t += 8) _mm256_storeu_ps(att + t, _mm256_div_ps(_mm256_loadu_ps(att + t), sum));
  for (; t < n; t++) att[t] /= total;
}

/* Fetches a head's hs halves at `at` (llm_fetch.h's level: into L1 the same reads took twice the
 * time). */
static inline void fetch_slice(const uint16_t *at, int hs) {
  for (uintptr_t a = (uintptr_t)at & ~(uintptr_t)63; a < (uintptr_t)(at + hs); a += 64)
    fetch_line((const void *)a);
}

/* Cases 1 to 7 of a switch on a lane count, each running `call` with LANES that count. */
#define LANES_CASE(k, call) \
  case k: {                 \
    enum { LANES = k };     \
    call;                   \
    break;                  \
  }
#define LANES_CASES(call)                                                              \
  LANES_CASE(1, call) LANES_CASE(2, call) LANES_CASE(3, call) LANES_CASE(4, call)      \
  LANES_CASE(5, call) LANES_CASE(6, call) LANES_CASE(7, call) default: break;

/*
 * out[0 .. 8·lanes) += Σ_t att[t] · v_t[0 .. 8·lanes) over t in [0, n), lanes at most 8, rows kvDim
 * apart from v: up to eight independent chains of multiply-adds, so that one position's take ~4
 * cycles, not a multiply-add's latency per vector.
 */
static inline __attribute__((always_inline)) void values_chunk(const float *att, const uint16_t *v,
                                                               long kvDim, int n, int lanes,
                                                               float *out) {
  __m256 o[8];
  for (int j = 0; j < lanes; j++) o[j] = _mm256_loadu_ps(out + 8 * j);
  for (int t = 0; t < n; t++, v += kvDim) {
    __m256 w = _mm256_set1_ps(att[t]);
    for (int j = 0; j < lanes; j++)
      o[j] = _mm256_fmadd_ps(w, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + 8 * j))),
                             o[j]);
  }
  for (int j = 0; j < lanes; j++) _mm256_storeu_ps(out + 8 * j, o[j]);
}

/* q·k over a head of hs halves, unscaled: one width's score for attend_heads. */
typedef float (*score_fn)(const float *q, const uint16_t *k, int hs);
/* out[0 .. hs) += Σ_t att[t] · v_t over t in [0, n), rows kvDim apart from vh: one width's values
 * for attend_heads. */
typedef void (*values_fn)(const float *att, const uint16_t *vh, long kvDim, int hs, int n,
                          float *out);

/* out[0 .. floats·lanes) += Σ_t att[t] · v_t[...] over a block's n positions: one width's chunk. */
typedef void (*chunk_fn)(const float *att, const uint16_t *v, long kvDim, int n, int lanes,
                         float *out);

/*
 * A width's values (chunk, `floats` outputs a lane): eight lanes at a time in registers over the
 * block's positions, then the rest with its lane count a constant in each case, so that its sums
 * stay in registers too.
 */
static inline __attribute__((always_inline)) void values_by_chunks(chunk_fn chunk, int floats,
                                                                   const float *att,
                                                                   const uint16_t *vh, long kvDim,
                                                                   int hs, int n, float *out) {
  int i = 0;
  for (; i + 8 * floats <= hs; i += 8 * floats) chunk(att, vh + i, kvDim, n, 8, out + i);
  switch ((hs - i) / floats) {
    LANES_CASES(chunk(att, vh + i, kvDim, n, LANES, out + i))
  }
}

/*
 * Query heads [from, to) over positions [0, n), as wg_attend_f16, with att room for their scores
 * ((to - from)·n) and maxima (to - from). Positions go BLOCK_ROWS at a time, each block's rows for
 * every head before the next block's, each head fetching its rows AHEAD_ROWS on: the rows are read
 * together, in order, as the memory streams best. Head by head over every position (as this kernel
 * went before), each head's two lines a row apart read a long context's cache at 4-6 GB/s on a Zen
 * 4 core, a sixth of what it took from the caches; this way, stories110M layers from memory took
 * 0.30-0.36x the time at positions 200 to 3000, 0.47x at 40, and from the caches 0.84-1.05x. A
 * head's scores, softmax and values are the same operations in the same order either way (its
 * values' sums carried in out from block to block), so the outputs are the same bit for bit.
 * Inlined into each width's heads with that width's score and values, which are then inlined too.
 */
static inline __attribute__((always_inline)) void attend_heads(
    score_fn score, values_fn values, const uint16_t *keys, const uint16_t *vals, long kvDim,
    int hs, int kvMul, int n, const float *q, float *out, int from, int to, float scale,
    float *att) {
  int heads = to - from;
  float *max = att + (long)heads * n;
  for (int h = 0; h < heads; h++) max[h] = -INFINITY;
  for (int t0 = 0; t0 < n; t0 += BLOCK_ROWS) {
    int t1 = t0 + BLOCK_ROWS < n ? t0 + BLOCK_ROWS : n;
    for (int h = 0; h < heads; h++) {
      const float *qh = q + (long)(from + h) * hs;
      const uint16_t *kh = keys + (long)((from + h) / kvMul) * hs;
      float *ah = att + (long)h * n, m = max[h];
      for (int t = t0; t < t1; t++) {
        if (t + AHEAD_ROWS < n) fetch_slice(kh + (t + AHEAD_ROWS) * kvDim, hs);
        float s = score(qh, kh + t * kvDim, hs) * scale;
        ah[t] = s;
        m = s > m ? s : m;
      }
      max[h] = m;
    }
  }
  for (int h = 0; h < heads; h++) softmax(att + (long)h * n, n, max[h]);
  for (long i = (long)from * hs; i < (long)to * hs; i++) out[i] = 0;
  for (int t0 = 0; t0 < n; t0 += BLOCK_ROWS) {
    int t1 = t0 + BLOCK_ROWS < n ? t0 + BLOCK_ROWS : n;
    for (int h = 0; h < heads; h++) {
      const uint16_t *vh = vals + (long)((from + h) / kvMul) * hs + t0 * kvDim;
      for (int t = t0; t < t1 && t + AHEAD_ROWS < n; t++)
        fetch_slice(vh + (t - t0 + AHEAD_ROWS) * kvDim, hs);
      values(att + (long)h * n + t0, vh, kvDim, hs, t1 - t0, out + (long)(from + h) * hs);
    }
  }
}

static inline __attribute__((always_inline)) float score256(const float *qh, const uint16_t *k,
                                                            int hs) {
  /* Two chains, for latency. */
  __m256 a = _mm256_setzero_ps(), c = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= hs; i += 16) {
    a = _mm256_fmadd_ps(_mm256_loadu_ps(qh + i),
                        _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + i))), a);
    c = _mm256_fmadd_ps(_mm256_loadu_ps(qh + i + 8),
                        _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + i + 8))), c);
  }
  if (i < hs)
    a = _mm256_fmadd_ps(_mm256_loadu_ps(qh + i),
                        _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + i))), a);
  return sum8(_mm256_add_ps(a, c));
}

static inline __attribute__((always_inline)) void values256(const float *att, const uint16_t *vh,
                                                            long kvDim, int hs, int n, float *out) {
  values_by_chunks(values_chunk, 8, att, vh, kvDim, hs, n, out);
}

static void heads256(const uint16_t *keys, const uint16_t *vals, long kvDim, int hs, int kvMul,
                     int n, const float *q, float *out, int from, int to, float scale, float *att) {
  attend_heads(score256, values256, keys, vals, kvDim, hs, kvMul, n, q, out, from, to, scale, att);
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma,f16c")
/*
 * 512 bits wide, for a head size that is a multiple of 16: one conversion a 16 halves, half of what
 * 256 bits take, which with the keys and values in the caches is most of the work.
 */
static inline __attribute__((always_inline)) float score512(const float *qh, const uint16_t *k,
                                                            int hs) {
  __m512 a = _mm512_setzero_ps(), c = _mm512_setzero_ps();
  int i = 0;
  for (; i + 32 <= hs; i += 32) {
    a = _mm512_fmadd_ps(_mm512_loadu_ps(qh + i),
                        _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(k + i))), a);
    c = _mm512_fmadd_ps(_mm512_loadu_ps(qh + i + 16),
                        _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(k + i + 16))), c);
  }
  if (i < hs)
    a = _mm512_fmadd_ps(_mm512_loadu_ps(qh + i),
                        _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(k + i))), a);
  __m512 sum = _mm512_add_ps(a, c);
  __m256 high = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(sum), 1));
  return sum8(_mm256_add_ps(_mm512_castps512_ps256(sum), high));
}

/* out[0 .. 16·lanes) += Σ_t att[t] · v_t[0 .. 16·lanes) over t in [0, n), lanes at most 8. */
static inline __attribute__((always_inline)) void values_chunk512(const float *att,
                                                                  const uint16_t *v, long kvDim,
                                                                  int n, int lanes, float *out) {
  __m512 o[8];
  for (int j = 0; j < lanes; j++) o[j] = _mm512_loadu_ps(out + 16 * j);
  for (int t = 0; t < n; t++, v += kvDim) {
    __m512 w = _mm512_set1_ps(att[t]);
    for (int j = 0; j < lanes; j++)
      o[j] = _mm512_fmadd_ps(w, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v + 16 * j))),
                             o[j]);
  }
  for (int j = 0; j < lanes; j++) _mm512_storeu_ps(out + 16 * j, o[j]);
}

static inline __attribute__((always_inline)) void values512(const float *att, const uint16_t *vh,
                                                            long kvDim, int hs, int n, float *out) {
  values_by_chunks(values_chunk512, 16, att, vh, kvDim, hs, n, out);
}

static void heads512(const uint16_t *keys, const uint16_t *vals, long kvDim, int hs, int kvMul,
                     int n, const float *q, float *out, int from, int to, float scale, float *att) {
  attend_heads(score512, values512, keys, vals, kvDim, hs, kvMul, n, q, out, from, to, scale, att);
}
#pragma GCC pop_options

/*
 * Query heads [from, to) of q (headSize floats each, head h at q + h·headSize) over positions
 * [0, n) of one layer's keys and values, into out (laid out as q): scores q·k scaled by
 * 1/√headSize, their softmax, the values summed by it. Query head h reads key-value head h / kvMul.
 * headSize a multiple of 8. Returns 0; -1 where there was no memory for the scores.
 */
int wg_attend_f16(const uint16_t *keys, const uint16_t *values, int kvDim, int headSize, int kvMul,
                  int n, const float *q, float *out, int from, int to) {
  if (from >= to) return 0;
  long room = (long)(to - from) * (n + 1);
  float stack[STACK_SCORES];
  float *att = room <= STACK_SCORES ? stack : malloc(sizeof(float) * (size_t)room);
  if (!att) return -1;
  float scale = (float)(1.0 / sqrt((double)headSize));
  int wide = wg_isa() == 512 && headSize % 16 == 0;
  (wide ? heads512 : heads256)(keys, values, kvDim, headSize, kvMul, n, q, out, from, to, scale,
                               att);
  if (att != stack) free(att);
  return 0;
}
