/*
 * Attention over a KV cache kept as 16-bit floats off the heap, for the JVM's language-model path
 * (dev.wasmgrid.llm.jvm.HalfKvStore), part of the same library as llm_kernels.c.
 *
 * Keys and values are read once per token and per stream, and with several streams or a long
 * context they are a large share of a step's bytes: at stories110M's shape, eight streams at
 * position 35 read 21 MB of float keys and values a step beside the weights' 119 MB. Halves are
 * half the bytes, as llama.cpp's default cache keeps them. In Java the conversion runs a value at
 * a time (Float.float16ToFloat is not vectorized on JDK 25): attention over halves there was slower
 * than over floats. Here F16C converts eight an instruction, and the loop fetches keys and values
 * some positions ahead: a head's rows lie a position's kvDim halves apart (1.5 KiB at stories110M's
 * shape), and reading them one after another waits on memory row by row.
 *
 * A cache layer holds position p's kvDim halves at p·kvDim; head h's at h·headSize of them.
 * Results depend only on the inputs, never on which heads or how many positions run together.
 */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int wg_isa(void);

/*
 * Positions fetched ahead of the one being read: 32 (a stories110M head's 8 KiB of keys and values)
 * read eight streams' caches at position 216 from memory 1.1-1.2x as fast as 8 (in C, two builds
 * taking turns), 64 no faster.
 */
#define AHEAD_ROWS 32
/* Scores kept on the stack up to this many positions; longer contexts take them from malloc. */
#define STACK_SCORES 2048

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

static inline void fetch_row(const uint16_t *row, int headSize) {
  for (int b = 0; b < 2 * headSize; b += 64) _mm_prefetch((const char *)row + b, _MM_HINT_T0);
}

/*
 * Fetches the key and value rows AHEAD_ROWS positions after t of a head (kh, vh) of n positions,
 * or past its end, of the next head (nk, nv; null after the last).
 */
static inline void fetch_ahead(const uint16_t *kh, const uint16_t *vh, const uint16_t *nk,
                               const uint16_t *nv, long kvDim, int hs, int t, int n) {
  int ahead = t + AHEAD_ROWS;
  if (ahead < n) {
    fetch_row(kh + ahead * kvDim, hs);
    fetch_row(vh + ahead * kvDim, hs);
  } else if (nk && ahead - n < n) {
    fetch_row(nk + (ahead - n) * kvDim, hs);
    fetch_row(nv + (ahead - n) * kvDim, hs);
  }
}

/*
 * out[0 .. 8·lanes) = Σ_t att[t] · v_t[0 .. 8·lanes), lanes at most 8, rows kvDim apart from v:
 * up to eight independent chains of multiply-adds, so that one position's take ~4 cycles, not a
 * multiply-add's latency per vector.
 */
static inline __attribute__((always_inline)) void values_chunk(const float *att, const uint16_t *v,
                                                               long kvDim, int n, int lanes,
                                                               float *out) {
  __m256 o[8];
  for (int j = 0; j < 8; j++) o[j] = _mm256_setzero_ps();
  for (int t = 0; t < n; t++, v += kvDim) {
    __m256 w = _mm256_set1_ps(att[t]);
    for (int j = 0; j < lanes; j++)
      o[j] = _mm256_fmadd_ps(w, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + 8 * j))),
                             o[j]);
  }
  for (int j = 0; j < lanes; j++) _mm256_storeu_ps(out + 8 * j, o[j]);
}

/* q·k over a head of hs halves, unscaled: one width's score for attend_head. */
typedef float (*score_fn)(const float *q, const uint16_t *k, int hs);
/* out[0 .. hs) = Σ_t att[t] · v_t, rows kvDim apart from vh: one width's values for attend_head. */
typedef void (*values_fn)(const float *att, const uint16_t *vh, long kvDim, int hs, int n,
                          float *out);

/*
 * One query head qh over positions [0, n) of its key-value head (kh, vh; rows kvDim apart), fetching
 * ahead into the next head's rows (nk, nv; null after the last head). Inlined into each width's head
 * with that width's score and values, which are then inlined too.
 */
static inline __attribute__((always_inline)) void attend_head(
    score_fn score, values_fn values, const float *qh, const uint16_t *kh, const uint16_t *vh,
    const uint16_t *nk, const uint16_t *nv, long kvDim, int hs, int n, float scale, float *att,
    float *out) {
  float max = -INFINITY;
  for (int t = 0; t < n; t++) {
    fetch_ahead(kh, vh, nk, nv, kvDim, hs, t, n);
    float s = score(qh, kh + t * kvDim, hs) * scale;
    att[t] = s;
    max = s > max ? s : max;
  }
  softmax(att, n, max);
  values(att, vh, kvDim, hs, n, out);
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
  /* 64 outputs at a time in registers, over every position. */
  int i = 0;
  for (; i + 64 <= hs; i += 64) values_chunk(att, vh + i, kvDim, n, 8, out + i);
  if (i < hs) values_chunk(att, vh + i, kvDim, n, (hs - i) / 8, out + i);
}

static void head(const float *qh, const uint16_t *kh, const uint16_t *vh, const uint16_t *nk,
                 const uint16_t *nv, long kvDim, int hs, int n, float scale, float *att, float *out) {
  attend_head(score256, values256, qh, kh, vh, nk, nv, kvDim, hs, n, scale, att, out);
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

static inline __attribute__((always_inline)) void values512(const float *att, const uint16_t *vh,
                                                            long kvDim, int hs, int n, float *out) {
  /* 128 outputs at a time in registers, over every position. */
  for (int i = 0; i < hs; i += 128) {
    int lanes = hs - i < 128 ? (hs - i) / 16 : 8;
    __m512 o[8];
    for (int j = 0; j < 8; j++) o[j] = _mm512_setzero_ps();
    const uint16_t *v = vh + i;
    for (int t = 0; t < n; t++, v += kvDim) {
      __m512 w = _mm512_set1_ps(att[t]);
      for (int j = 0; j < lanes; j++)
        o[j] = _mm512_fmadd_ps(
            w, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v + 16 * j))), o[j]);
    }
    for (int j = 0; j < lanes; j++) _mm512_storeu_ps(out + i + 16 * j, o[j]);
  }
}

static void head512(const float *qh, const uint16_t *kh, const uint16_t *vh, const uint16_t *nk,
                    const uint16_t *nv, long kvDim, int hs, int n, float scale, float *att,
                    float *out) {
  attend_head(score512, values512, qh, kh, vh, nk, nv, kvDim, hs, n, scale, att, out);
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
  float stack[STACK_SCORES];
  float *att = n <= STACK_SCORES ? stack : malloc(sizeof(float) * (size_t)n);
  if (!att) return -1;
  float scale = (float)(1.0 / sqrt((double)headSize));
  int wide = wg_isa() == 512 && headSize % 16 == 0;
  for (int h = from; h < to; h++) {
    long kv = (long)(h / kvMul) * headSize, next = (long)((h + 1) / kvMul) * headSize;
    const uint16_t *nk = h + 1 == to ? 0 : keys + next, *nv = h + 1 == to ? 0 : values + next;
    (wide ? head512 : head)(q + (long)h * headSize, keys + kv, values + kv, nk, nv, kvDim,
                            headSize, n, scale, att, out + (long)h * headSize);
  }
  if (att != stack) free(att);
  return 0;
}
