/*
 * Sampling's exponentials for the JVM's language-model path (dev.wasmgrid.llm.jvm.NativeKernels.
 * exps), part of the same library as llm_kernels.c: (float) e^(v[i] - max), the floats Java's
 * (float) Math.exp(v[i] - max) gives, bit for bit. The sampler must draw llama2.c's tokens for a
 * seed, so it cannot take an approximation; but Math.exp's call per value was 0.13 ms of a draw
 * over 32,000 logits, the largest part of sampling a token (here: 18 µs at 512 bits, 40 at 256).
 *
 * Each lane computes e^x in double precision — x = k·ln 2 + r, e^r by its Taylor polynomial of
 * degree 13, times 2^k — within a unit or two in the last place of the exact value, as Math.exp is
 * within one. Rounded to float the two agree unless the exact value lies within those few units of a
 * midpoint between two floats, where they could round apart: such a lane (about one in ten million,
 * found by the low bits of its double) is left to Math.exp, as is any x below −87 (a float result
 * near or below the smallest normal, rounded at another step), above 0 or NaN, and the values past
 * the last whole group of vectors. Below −104 the result is 0 either way.
 */
#include <immintrin.h>
#include <stdint.h>

int wg_isa(void);

#define ALWAYS_INLINE static inline __attribute__((always_inline))

static const double INV_LN2 = 1.4426950408889634;
/* ln 2 in two parts, the first with 32 significant bits, so that k · LN2_HI is exact. */
static const double LN2_HI = 6.93147180369123816490e-01;
static const double LN2_LO = 1.90821492927058770002e-10;
/* Adding this rounds a double below 2^51 in magnitude to an integer, kept in its low bits. */
static const double SHIFTER = 0x1.8p52;
static const long long SHIFTER_BITS = 0x4338000000000000LL;
/* Normal floats from e^−87 up; below e^−104, under half the smallest subnormal. */
static const double LOW = -87.0, ZERO_BELOW = -104.0;
/* The 29 bits a double has beyond a float's, and their value at a midpoint between two floats. */
static const long long BELOW_FLOAT = (1LL << 29) - 1, MIDPOINT = 1LL << 28;
/* Units in the last place (of a double) within which a lane is left to Math.exp: far more than
 * this polynomial's error and Math.exp's together. */
static const long long NEAR = 64;
static const double TAYLOR[14] = {
    1.0,           1.0,            1.0 / 2,         1.0 / 6,          1.0 / 24,
    1.0 / 120,     1.0 / 720,      1.0 / 5040,      1.0 / 40320,      1.0 / 362880,
    1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0};

/*
 * A vector's lanes at v[at, at + count) that are not `exact`: 0 where `zero`, else left to Math.exp
 * (their index to hard[]); the exact ones from `lanes`.
 */
ALWAYS_INLINE void lanes_apart(float *v, int at, int count, const float *lanes, int exact, int zero,
                               int32_t *hard, int *left) {
  for (int j = 0; j < count; j++) {
    if (exact >> j & 1) v[at + j] = lanes[j];
    else if (zero >> j & 1) v[at + j] = 0.0f;
    else hard[(*left)++] = at + j;
  }
}

/*
 * Four vectors side by side at each width: a lane's polynomial is a chain of 15 dependent
 * multiply-adds, and one vector at a time waited on it (49 µs for 32,000 values at 256 bits
 * against 40).
 */
static int exps_256(float *v, int n, float max, int32_t *hard) {
  const __m128 m = _mm_set1_ps(max);
  int left = 0, i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256d d[4], t[4], r[4], p[4];
    _Pragma("GCC unroll 4") for (int q = 0; q < 4; q++) {
      d[q] = _mm256_cvtps_pd(_mm_sub_ps(_mm_loadu_ps(v + i + 4 * q), m));
      t[q] = _mm256_fmadd_pd(d[q], _mm256_set1_pd(INV_LN2), _mm256_set1_pd(SHIFTER));
      __m256d k = _mm256_sub_pd(t[q], _mm256_set1_pd(SHIFTER));
      r[q] = _mm256_fmadd_pd(k, _mm256_set1_pd(-LN2_HI), d[q]);
      r[q] = _mm256_fmadd_pd(k, _mm256_set1_pd(-LN2_LO), r[q]);
      p[q] = _mm256_set1_pd(TAYLOR[13]);
    }
    _Pragma("GCC unroll 13") for (int c = 12; c >= 0; c--) {
      _Pragma("GCC unroll 4") for (int q = 0; q < 4; q++)
        p[q] = _mm256_fmadd_pd(p[q], r[q], _mm256_set1_pd(TAYLOR[c]));
    }
    _Pragma("GCC unroll 4") for (int q = 0; q < 4; q++) {
      __m256i bits = _mm256_add_epi64(_mm256_castpd_si256(t[q]), _mm256_set1_epi64x(1023 - SHIFTER_BITS));
      __m256d y = _mm256_mul_pd(p[q], _mm256_castsi256_pd(_mm256_slli_epi64(bits, 52)));
      __m256i off = _mm256_sub_epi64(
          _mm256_and_si256(_mm256_castpd_si256(y), _mm256_set1_epi64x(BELOW_FLOAT)), _mm256_set1_epi64x(MIDPOINT));
      __m256i clear = _mm256_or_si256(_mm256_cmpgt_epi64(off, _mm256_set1_epi64x(NEAR)),
                                      _mm256_cmpgt_epi64(_mm256_set1_epi64x(-NEAR), off));
      __m256d in_range = _mm256_and_pd(_mm256_cmp_pd(d[q], _mm256_set1_pd(LOW), _CMP_GE_OQ),
                                       _mm256_cmp_pd(d[q], _mm256_setzero_pd(), _CMP_LE_OQ));
      int exact = _mm256_movemask_pd(_mm256_and_pd(in_range, _mm256_castsi256_pd(clear)));
      __m128 f = _mm256_cvtpd_ps(y);
      if (exact == 15) {
        _mm_storeu_ps(v + i + 4 * q, f);
      } else {
        float lanes[4];
        _mm_storeu_ps(lanes, f);
        int zero = _mm256_movemask_pd(_mm256_cmp_pd(d[q], _mm256_set1_pd(ZERO_BELOW), _CMP_LT_OQ));
        lanes_apart(v, i + 4 * q, 4, lanes, exact, zero, hard, &left);
      }
    }
  }
  for (; i < n; i++) hard[left++] = i;
  return left;
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx2,fma")

static int exps_512(float *v, int n, float max, int32_t *hard) {
  const __m256 m = _mm256_set1_ps(max);
  int left = 0, i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512d d[4], t[4], r[4], p[4];
    _Pragma("GCC unroll 4") for (int q = 0; q < 4; q++) {
      d[q] = _mm512_cvtps_pd(_mm256_sub_ps(_mm256_loadu_ps(v + i + 8 * q), m));
      t[q] = _mm512_fmadd_pd(d[q], _mm512_set1_pd(INV_LN2), _mm512_set1_pd(SHIFTER));
      __m512d k = _mm512_sub_pd(t[q], _mm512_set1_pd(SHIFTER));
      r[q] = _mm512_fmadd_pd(k, _mm512_set1_pd(-LN2_HI), d[q]);
      r[q] = _mm512_fmadd_pd(k, _mm512_set1_pd(-LN2_LO), r[q]);
      p[q] = _mm512_set1_pd(TAYLOR[13]);
    }
    _Pragma("GCC unroll 13") for (int c = 12; c >= 0; c--) {
      _Pragma("GCC unroll 4") for (int q = 0; q < 4; q++)
        p[q] = _mm512_fmadd_pd(p[q], r[q], _mm512_set1_pd(TAYLOR[c]));
    }
    _Pragma("GCC unroll 4") for (int q = 0; q < 4; q++) {
      __m512i bits = _mm512_add_epi64(_mm512_castpd_si512(t[q]), _mm512_set1_epi64(1023 - SHIFTER_BITS));
      __m512d y = _mm512_mul_pd(p[q], _mm512_castsi512_pd(_mm512_slli_epi64(bits, 52)));
      __m512i off = _mm512_sub_epi64(
          _mm512_and_si512(_mm512_castpd_si512(y), _mm512_set1_epi64(BELOW_FLOAT)), _mm512_set1_epi64(MIDPOINT));
      int exact = (_mm512_cmpgt_epi64_mask(off, _mm512_set1_epi64(NEAR)) |
                   _mm512_cmpgt_epi64_mask(_mm512_set1_epi64(-NEAR), off)) &
                  _mm512_cmp_pd_mask(d[q], _mm512_set1_pd(LOW), _CMP_GE_OQ) &
                  _mm512_cmp_pd_mask(d[q], _mm512_setzero_pd(), _CMP_LE_OQ);
      __m256 f = _mm512_cvtpd_ps(y);
      if (exact == 255) {
        _mm256_storeu_ps(v + i + 8 * q, f);
      } else {
        float lanes[8];
        _mm256_storeu_ps(lanes, f);
        int zero = _mm512_cmp_pd_mask(d[q], _mm512_set1_pd(ZERO_BELOW), _CMP_LT_OQ);
        lanes_apart(v, i + 8 * q, 8, lanes, exact, zero, hard, &left);
      }
    }
  }
  for (; i < n; i++) hard[left++] = i;
  return left;
}

#pragma GCC pop_options

/*
 * v[i] = (float) e^(v[i] - max) for i in [0, n), but for the lanes it leaves to Java's Math.exp:
 * their indices go to hard[] (room for n), in order, and their values stay as they were. Returns
 * how many. At the width `isa` (256, or 512 where wg_isa() is), or wg_isa()'s when it is 0.
 */
int wg_exps(float *v, int n, float max, int32_t *hard, int isa) {
  int wide = (isa ? isa : wg_isa()) == 512 && wg_isa() == 512;
  return wide ? exps_512(v, n, max, hard) : exps_256(v, n, max, hard);
}
