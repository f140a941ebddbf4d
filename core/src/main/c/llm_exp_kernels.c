/*
 * Sampling's softmax before its division for the JVM's language-model path (dev.wasmgrid.llm.jvm.
 * NativeKernels.expsSum), part of the same library as llm_kernels.c: the largest value, then
 * (float) e^(v[i] - max), the floats Java's (float) Math.exp(v[i] - max) gives, bit for bit, and
 * their float sum in order. The sampler must draw llama2.c's tokens for a seed, so it cannot take an
 * approximation; but Math.exp's call per value was 0.13 ms of a draw over 32,000 logits, the
 * largest part of sampling a token (here: 18 µs at 512 bits, 40 at 256), and Math.max's loop and
 * the sum's another 23 and 19 µs in Java (here: ~2, and the sum beside the exponentials).
 *
 * Each lane computes e^x in double precision — x = k·ln 2 + r, e^r by its Taylor polynomial of
 * degree 13, times 2^k — within a unit or two in the last place of the exact value, as Math.exp is
 * within one. Rounded to float the two agree unless the exact value lies within those few units of a
 * midpoint between two floats, where they could round apart: such a lane (about one in ten million,
 * found by the low bits of its double) is left to Math.exp, as is any x below −87 (a float result
 * near or below the smallest normal, rounded at another step), above 0 or NaN, and the values past
 * the last whole group of vectors. Below −104 the result is 0 either way, written a vector at a
 * time: a confident draw has nearly every value there (lane by lane, the exponentials of such a
 * draw took 92 µs).
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

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
 * The group of vectors just stored at v[at, at + count) added to the running sum in order while no
 * lane so far was left to Math.exp: the sum runs as a chain of dependent adds beside the next
 * group's polynomials (separately the two took ~18 µs each for 32,000 values at 512 bits).
 */
ALWAYS_INLINE void sum_in_order(const float *v, int at, int count, int left, float *sum,
                                int *covered) {
  if (left == 0 && *covered == at) {
    float s = *sum;
    for (int j = 0; j < count; j++) s += v[at + j];
    *sum = s;
    *covered = at + count;
  }
}

/* The indices of a vector's lanes (bits of `rest`, lane 0 at v[at]) to hard[]. */
ALWAYS_INLINE void lanes_left(int rest, int at, int32_t *hard, int *left) {
  for (; rest; rest &= rest - 1) hard[(*left)++] = at + __builtin_ctz(rest);
}

/* A float lane mask from a double lane mask of all-ones or all-zeros lanes. */
ALWAYS_INLINE __m128 narrowed(__m256d mask) {
  __m128 lo = _mm256_castps256_ps128(_mm256_castpd_ps(mask));
  __m128 hi = _mm256_extractf128_ps(_mm256_castpd_ps(mask), 1);
  return _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
}

/*
 * Four vectors side by side at each width: a lane's polynomial is a chain of 15 dependent
 * multiply-adds, and one vector at a time waited on it (49 µs for 32,000 values at 256 bits
 * against 40).
 */
static int exps_256(float *v, int n, float max, int32_t *hard, float *sum, int *covered) {
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
      __m256d exact = _mm256_and_pd(in_range, _mm256_castsi256_pd(clear));
      __m128 f = _mm256_cvtpd_ps(y);
      int exactBits = _mm256_movemask_pd(exact);
      if (exactBits == 15) {
        _mm_storeu_ps(v + i + 4 * q, f);
      } else {
        __m256d zero = _mm256_cmp_pd(d[q], _mm256_set1_pd(ZERO_BELOW), _CMP_LT_OQ);
        /* The exact lanes' values, zeros, and the rest as they were, for Math.exp. */
        __m128 kept = _mm_blendv_ps(_mm_loadu_ps(v + i + 4 * q), f, narrowed(exact));
        _mm_storeu_ps(v + i + 4 * q, _mm_andnot_ps(narrowed(zero), kept));
        lanes_left(15 & ~exactBits & ~_mm256_movemask_pd(zero), i + 4 * q, hard, &left);
      }
    }
    sum_in_order(v, i, 16, left, sum, covered);
  }
  for (; i < n; i++) hard[left++] = i;
  return left;
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx2,fma")

static int exps_512(float *v, int n, float max, int32_t *hard, float *sum, int *covered) {
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
      __mmask8 exact = (_mm512_cmpgt_epi64_mask(off, _mm512_set1_epi64(NEAR)) |
                        _mm512_cmpgt_epi64_mask(_mm512_set1_epi64(-NEAR), off)) &
                       _mm512_cmp_pd_mask(d[q], _mm512_set1_pd(LOW), _CMP_GE_OQ) &
                       _mm512_cmp_pd_mask(d[q], _mm512_setzero_pd(), _CMP_LE_OQ);
      __m256 f = _mm512_cvtpd_ps(y);
      if (exact == 255) {
        _mm256_storeu_ps(v + i + 8 * q, f);
      } else {
        __mmask8 zero = _mm512_cmp_pd_mask(d[q], _mm512_set1_pd(ZERO_BELOW), _CMP_LT_OQ);
        _mm256_mask_storeu_ps(v + i + 8 * q, exact, f);
        _mm256_mask_storeu_ps(v + i + 8 * q, zero, _mm256_setzero_ps());
        lanes_left(255 & ~exact & ~zero, i + 8 * q, hard, &left);
      }
    }
    sum_in_order(v, i, 32, left, sum, covered);
  }
  for (; i < n; i++) hard[left++] = i;
  return left;
}

#pragma GCC pop_options

/*
 * The largest of v[0, n) (n >= 1), or NaN if any is: at 256 bits for both widths (a pass over
 * 32,000 floats is ~1 µs either way).
 */
static float max_of(const float *v, int n) {
  __m256 most = _mm256_set1_ps(v[0]), nan = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 x = _mm256_loadu_ps(v + i);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    most = _mm256_max_ps(most, x);
  }
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(most), _mm256_extractf128_ps(most, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  float max = _mm_cvtss_f32(h);
  int any = _mm256_movemask_ps(nan);
  for (; i < n; i++) {
    any |= v[i] != v[i];
    max = v[i] > max ? v[i] : max;
  }
  return any ? __builtin_nanf("") : max;
}

/*
 * Softmax's numerators and their sum, as llama2.c's run.c takes them: max the largest of v[0, n)
 * (n >= 1), v[i] = (float) e^(v[i] - max), and their float sum added in order from v[0]. The lanes
 * left to Java's Math.exp get their indices in hard[] (room for n), in order, and keep their
 * values; out[0] gets max and out[1] the sum of v[0, covered), covered (as an int at out + 2) the
 * values before the first group of vectors with such a lane, which Java sums on from. Returns how
 * many were left, or -1 where a value is NaN (Math.max's maximum then NaN; nothing is changed). The
 * maximum's sign of zero may differ from Math.max's (it cannot change e^(v[i] - max)). At the width
 * `isa` (256, or 512 where wg_isa() is), or wg_isa()'s when it is 0.
 */
int wg_exps_sum(float *v, int n, int32_t *hard, int isa, float *out) {
  int wide = (isa ? isa : wg_isa()) == 512 && wg_isa() == 512;
  float max = max_of(v, n);
  if (max != max) return -1;
  float sum = 0.0f;
  int covered = 0;
  int left = wide ? exps_512(v, n, max, hard, &sum, &covered) : exps_256(v, n, max, hard, &sum, &covered);
  out[0] = max;
  out[1] = sum;
  memcpy(out + 2, &covered, sizeof covered);
  return left;
}
