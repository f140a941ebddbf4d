/*
 * Attention and SwiGLU for the JVM's language-model path (dev.wasmgrid.llm.jvm.NativeKernels), part
 * of the same library as llm_kernels.c, called on the Java heap's own arrays (critical downcalls:
 * nothing is copied). What they add over the Vector API: exponentials eight at a time with no
 * warm-up (the Vector API's run as objects until the JIT compiles them, which halved a cold
 * generation when softmax and SwiGLU used them), and loads that never straddle a cache line when
 * the row does not (a heap array's payload starts 16 bytes into a line, and 512-bit loads from it
 * always straddle two).
 *
 * Every value is computed in one order whatever the machine (AVX2 or AVX-512) and however heads
 * and units are split over threads: a dot product of a query and a key as 16 lanes in two
 * registers, lane j the multiply-adds of elements j, j + 16, ... (a lane past the end left as it
 * is), the lanes added in halves (j + 8, j + 4, j + 2, j + 1); a softmax's sum as 8 lanes over the
 * positions the same way; a weighted sum of values position after position.
 */
#include <immintrin.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/*
 * e^x, eight at a time: Cephes' expf (x = k·ln 2 + r with ln 2 in two parts, a degree-5
 * polynomial in r, 2^k from k's bits), within 2 ulp of the exact value; x outside [-87.3, 88.7]
 * is clamped there (e^-87.3 is the smallest normal float, e^88.7 the largest), and a NaN stays
 * NaN.
 */
ALWAYS_INLINE __m256 exp8(__m256 x) {
  /* max(lo, x) and min(hi, x) return x when it is NaN. */
  x = _mm256_min_ps(_mm256_set1_ps(88.7228391f), _mm256_max_ps(_mm256_set1_ps(-87.3365448f), x));
  __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  /* 2^k as two factors, so that k = 128 (x up to 88.7) does not overflow the exponent. */
  __m256i ki = _mm256_cvtps_epi32(k);
  __m256i half = _mm256_srai_epi32(ki, 1);
  __m256 f1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, _mm256_set1_epi32(127)), 23));
  __m256 f2 = _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ki, half), _mm256_set1_epi32(127)), 23));
  return _mm256_mul_ps(_mm256_mul_ps(p, f1), f2);
}

/* Lanes 0-7 (lo) and 8-15 (hi) added in halves. */
ALWAYS_INLINE float sum16(__m256 lo, __m256 hi) {
  __m256 s = _mm256_add_ps(lo, hi);
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

/* The lanes of v at index < left, all ones; left may be 8 or more. */
ALWAYS_INLINE __m256i first(int left) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(left), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* acc + a·b in the lanes of m, acc elsewhere. */
ALWAYS_INLINE __m256 fma_in(__m256 a, __m256 b, __m256 acc, __m256i m) {
  return _mm256_blendv_ps(acc, _mm256_fmadd_ps(a, b, acc), _mm256_castsi256_ps(m));
}

/* att[t] = scale · (q · keys[t·stride ..]) over n elements, for t in [0, count), 4 keys at a time. */
ALWAYS_INLINE void scores(const float *q, const float *keys, long stride, int n, int count,
                          float scale, float *att) {
  int t = 0;
  for (; t < count; t += 4) {
    int K = count - t < 4 ? count - t : 4;
    __m256 lo[4], hi[4];
    for (int k = 0; k < 4; k++) lo[k] = hi[k] = _mm256_setzero_ps();
    const float *key = keys + t * stride;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
      __m256 ql = _mm256_loadu_ps(q + i), qh = _mm256_loadu_ps(q + i + 8);
      for (int k = 0; k < 4; k++) {
        if (k < K) {
          lo[k] = _mm256_fmadd_ps(ql, _mm256_loadu_ps(key + k * stride + i), lo[k]);
          hi[k] = _mm256_fmadd_ps(qh, _mm256_loadu_ps(key + k * stride + i + 8), hi[k]);
        }
      }
    }
    if (i < n) {
      __m256i ml = first(n - i), mh = first(n - i - 8);
      __m256 ql = _mm256_maskload_ps(q + i, ml), qh = _mm256_maskload_ps(q + i + 8, mh);
      for (int k = 0; k < K; k++) {
        lo[k] = fma_in(ql, _mm256_maskload_ps(key + k * stride + i, ml), lo[k], ml);
        hi[k] = fma_in(qh, _mm256_maskload_ps(key + k * stride + i + 8, mh), hi[k], mh);
      }
    }
    for (int k = 0; k < K; k++) att[t + k] = sum16(lo[k], hi[k]) * scale;
  }
}

/* Softmax of att[0..n) in place: e^(a - max) over their sum. */
ALWAYS_INLINE void softmax(float *att, int n) {
  float max = att[0];
  for (int t = 1; t < n; t++) max = att[t] > max ? att[t] : max;
  __m256 m = _mm256_set1_ps(max), sum = _mm256_setzero_ps();
  int t = 0;
  for (; t + 8 <= n; t += 8) {
    __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(att + t), m));
    _mm256_storeu_ps(att + t, e);
    sum = _mm256_add_ps(sum, e);
  }
  if (t < n) {
    __m256i in = first(n - t);
    __m256 e = exp8(_mm256_sub_ps(_mm256_maskload_ps(att + t, in), m));
    _mm256_maskstore_ps(att + t, in, e);
    sum = _mm256_blendv_ps(sum, _mm256_add_ps(sum, e), _mm256_castsi256_ps(in));
  }
  __m256 total = _mm256_set1_ps(sum16(sum, _mm256_setzero_ps()));
  for (t = 0; t + 8 <= n; t += 8) _mm256_storeu_ps(att + t, _mm256_div_ps(_mm256_loadu_ps(att + t), total));
  if (t < n) {
    __m256i in = first(n - t);
    _mm256_maskstore_ps(att + t, in, _mm256_div_ps(_mm256_maskload_ps(att + t, in), total));
  }
}

/* out[0..n) = Σ_t att[t] · values[t·stride ..], position after position, 32 elements at a time. */
ALWAYS_INLINE void weighted(const float *att, const float *values, long stride, int n, int count,
                            float *out) {
  for (int i = 0; i < n; i += 32) {
    __m256i m[4];
    __m256 acc[4];
    for (int j = 0; j < 4; j++) {
      m[j] = first(n - i - 8 * j);
      acc[j] = _mm256_setzero_ps();
    }
    if (i + 32 <= n) {
      for (int t = 0; t < count; t++) {
        __m256 a = _mm256_set1_ps(att[t]);
        const float *v = values + t * stride + i;
        for (int j = 0; j < 4; j++) acc[j] = _mm256_fmadd_ps(a, _mm256_loadu_ps(v + 8 * j), acc[j]);
      }
      for (int j = 0; j < 4; j++) _mm256_storeu_ps(out + i + 8 * j, acc[j]);
    } else {
      for (int t = 0; t < count; t++) {
        __m256 a = _mm256_set1_ps(att[t]);
        const float *v = values + t * stride + i;
        for (int j = 0; j < 4; j++) acc[j] = fma_in(a, _mm256_maskload_ps(v + 8 * j, m[j]), acc[j], m[j]);
      }
      for (int j = 0; j < 4; j++) _mm256_maskstore_ps(out + i + 8 * j, m[j], acc[j]);
    }
  }
}

/*
 * Attention of query heads [from, to) over positions [0, positions): head h of q (at h·hs) against
 * kv head h / kvMul of each position's keys and values (position t's at t·kvDim), its scores
 * scaled, their softmax in att (at least `positions` long), and the values weighted by it into
 * out's head h.
 */
void wg_attention(const float *q, const float *keys, const float *values, float *att, float *out,
                  int kvDim, int hs, int kvMul, int positions, float scale, int from, int to) {
  for (int h = from; h < to; h++) {
    long kvOff = (long)(h / kvMul) * hs;
    scores(q + (long)h * hs, keys + kvOff, kvDim, hs, positions, scale, att);
    softmax(att, positions);
    weighted(att, values + kvOff, kvDim, hs, positions, out + (long)h * hs);
  }
}

/* gate[i] = silu(gate[i]) · up[i] = gate[i] / (1 + e^-gate[i]) · up[i] for i in [from, to). */
void wg_swiglu(float *gate, const float *up, int from, int to) {
  const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
  int i = from;
  for (; i + 8 <= to; i += 8) {
    __m256 g = _mm256_loadu_ps(gate + i);
    __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_sub_ps(zero, g))));
    _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
  }
  if (i < to) {
    __m256i in = first(to - i);
    __m256 g = _mm256_maskload_ps(gate + i, in);
    __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_sub_ps(zero, g))));
    _mm256_maskstore_ps(gate + i, in, _mm256_mul_ps(silu, _mm256_maskload_ps(up + i, in)));
  }
}
