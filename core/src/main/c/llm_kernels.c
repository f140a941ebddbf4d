/*
 * Quantized matrix-vector products for the JVM's language-model path (dev.wasmgrid.llm.jvm.
 * NativeKernels), called through the JDK's foreign-function API. Java's Vector API has no byte-by-
 * byte multiply that sums pairs (AVX2's vpmaddubsw), so a quantized product in Java widens every
 * weight to a float; here the weights stay in the file's blocks (read straight from the mapping),
 * the activations are quantized to 8 bits (a scale per 32 values, per 256 for the K-quants), and
 * both are multiplied as bytes: 256 bits wide with AVX2, 512 with AVX-512 VNNI (wg_isa).
 *
 * Every (row, vector) sum is taken by one sequence of operations whatever the number of rows and
 * vectors computed together, so a product does not depend on how its rows are split over threads
 * nor on the other vectors of its batch. Built with -ffp-contract=off for the same reason.
 */
#include "llm_fetch.h"
#include "llm_types.h"
#include <cpuid.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#define ALWAYS_INLINE static inline __attribute__((always_inline))

int wg_supported(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c");
}

ALWAYS_INLINE float half(const uint8_t *p) {
  uint16_t h;
  memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

/*
 * Quantizes n vectors of `cols` floats to a byte per value, with a scale per `block` values (32,
 * or 256 for the K-quants, whose products then sum a whole super-block in integers before one
 * float multiply, as llama.cpp's q8_K does): q[v*cols + i], d[v*cols/block + b]; and the sum of
 * each 32 bytes, s[v*cols/32 + j], what Q4_K and Q5_K's offsets multiply. cols is a multiple of
 * `block`.
 */
void wg_quantize(const float *x, int n, int cols, int block, int8_t *q, float *d, int32_t *s) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int v = 0; v < n; v++) {
    for (int b = 0; b < cols / block; b++) {
      const float *xb = x + (long)v * cols + (long)block * b;
      __m256 m = _mm256_setzero_ps();
      for (int i = 0; i < block; i += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(xb + i)));
      __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
      h = _mm_max_ps(h, _mm_movehl_ps(h, h));
      h = _mm_max_ss(h, _mm_movehdup_ps(h));
      float amax = _mm_cvtss_f32(h);
      d[(long)v * (cols / block) + b] = amax / 127.0f;
      __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
      for (int j = 0; j < block; j += 32) {
        const float *xj = xb + j;
        __m256i i0 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(xj), id), _MM_FROUND_TO_NEAREST_INT));
        __m256i i1 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(xj + 8), id), _MM_FROUND_TO_NEAREST_INT));
        __m256i i2 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(xj + 16), id), _MM_FROUND_TO_NEAREST_INT));
        __m256i i3 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(xj + 24), id), _MM_FROUND_TO_NEAREST_INT));
        __m256i sum = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
        __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
        /* Pack to bytes; packs work within 128-bit lanes, so restore the order after. */
        __m256i p8 = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        p8 = _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        long at = (long)v * cols + (long)block * b + j;
        _mm256_storeu_si256((__m256i *)(q + at), p8);
        s[at / 32] = _mm_cvtsi128_si32(s4);
      }
    }
  }
}

/* Sum of a signed weight block with a signed activation block, as 8 int32 lanes. */
ALWAYS_INLINE __m256i dot_signed(__m256i w, __m256i x) {
  __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
  return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

ALWAYS_INLINE float hsum(__m256 a) {
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

/* The quantized activations of up to 4 vectors: bytes, scales per block, sums per 32. */
typedef struct {
  const int8_t *q[4];
  const float *d[4];
  const int32_t *s[4];
  /* The 512-bit kernels': −bias · (sum of each 4 values) per int lane, for the types whose
   * weights they take unsigned with a bias (Q8_0 128, Q4_0 8, Q5_0 16, Q6_K 32) ... */
  const int32_t *c[4];
  /* ... and, for the types with blocks of 32, x's scales of each pair of blocks, 8 lanes each. */
  const float *dx2[4];
} xs_t;

ALWAYS_INLINE __m256i xload(const xs_t *x, int v, long block) {
  return _mm256_loadu_si256((const __m256i *)(x->q[v] + 32 * block));
}

/* Blocks of 32 with one scale each: Q8_0, Q4_0, Q5_0. */
ALWAYS_INLINE __m256i q8_0_block(const uint8_t *b) {
  return _mm256_loadu_si256((const __m256i *)(b + 2));
}

ALWAYS_INLINE __m256i q4_0_block(const uint8_t *b) {
  __m128i raw = _mm_loadu_si128((const __m128i *)(b + 2));
  __m256i w = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
  return _mm256_sub_epi8(_mm256_and_si256(w, _mm256_set1_epi8(0x0f)), _mm256_set1_epi8(8));
}

/* Byte i is 0xff where bit i of `bits` is set. */
ALWAYS_INLINE __m256i bits_to_bytes(uint32_t bits) {
  __m256i v = _mm256_set1_epi32((int)bits);
  v = _mm256_shuffle_epi8(v, _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101,
                                                 0x0202020202020202, 0x0303030303030303));
  __m256i mask = _mm256_set1_epi64x((long long)0x7fbfdfeff7fbfdfeULL);
  return _mm256_cmpeq_epi8(_mm256_or_si256(v, mask), _mm256_set1_epi64x(-1));
}

/* 32 nibbles (low ones first) at b as bytes, with a fifth bit from each bit of the u32 at `high`
 * where there is one: Q4_1's and Q5_1's values, Q5_0's 16 more than its weights. */
ALWAYS_INLINE __m256i nibbles32(const uint8_t *b, const uint8_t *high) {
  __m128i raw = _mm_loadu_si128((const __m128i *)b);
  __m256i w = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0f));
  if (!high) return w;
  uint32_t bits;
  memcpy(&bits, high, 4);
  return _mm256_or_si256(w, _mm256_and_si256(bits_to_bytes(bits), _mm256_set1_epi8(0x10)));
}

/* IQ4_NL's values of 32 indices (nibbles32's bytes), in both halves. */
ALWAYS_INLINE __m256i iq4_values(__m256i idx) {
  __m128i table = _mm_loadu_si128((const __m128i *)IQ4_VALUES);
  return _mm256_shuffle_epi8(_mm256_set_m128i(table, table), idx);
}

ALWAYS_INLINE __m256i q5_0_block(const uint8_t *b) {
  return _mm256_sub_epi8(nibbles32(b + 6, b + 2), _mm256_set1_epi8(16));
}

/* Bytes of a block of 32 weights. */
ALWAYS_INLINE int bytes32(int type) {
  switch (type) {
    case T_Q8_0: return 34;
    case T_Q4_0: return 18;
    case T_Q4_1: return 20;
    case T_Q5_1: return 24;
    case T_IQ4_NL: return 18;
    default: return 22;
  }
}

/*
 * R rows (at w[0..R)) by V vectors of 32-blocks with one scale: res[r*V + v]. R and V are
 * constants where this is inlined, so the accumulators stay in registers. Q4_1's and Q5_1's
 * minimum m adds m · dx · (x's sum) a block, summed apart and added at the end (as the K-quants'
 * offsets are).
 */
ALWAYS_INLINE void rows_32(int type, const uint8_t *const *w, int R, int nb, const xs_t *x, int V,
                           float *res) {
  const int bytes = bytes32(type), with_min = type == T_Q4_1 || type == T_Q5_1;
  __m256 acc[4][4];
  float mins[4][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) {
      acc[r][v] = _mm256_setzero_ps();
      mins[r][v] = 0.0f;
    }
  for (long b = 0; b < nb; b++) {
    for (int r = 0; r < R; r++) {
      const uint8_t *blk = w[r] + bytes * b;
      /* Q4_1's and Q5_1's values are 0..31, signed bytes as they are. */
      __m256i wq = type == T_Q8_0   ? q8_0_block(blk)
                   : type == T_Q4_0 ? q4_0_block(blk)
                   : type == T_Q5_0 ? q5_0_block(blk)
                   : type == T_Q4_1 ? nibbles32(blk + 4, 0)
                   : type == T_Q5_1 ? nibbles32(blk + 8, blk + 4)
                                    : iq4_values(nibbles32(blk + 2, 0));
      float dw = half(blk);
      for (int v = 0; v < V; v++) {
        __m256 p = _mm256_cvtepi32_ps(dot_signed(wq, xload(x, v, b)));
        acc[r][v] = _mm256_fmadd_ps(_mm256_set1_ps(dw * x->d[v][b]), p, acc[r][v]);
        if (with_min) mins[r][v] += half(blk + 2) * x->d[v][b] * (float)x->s[v][b];
      }
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) res[r * V + v] = hsum(acc[r][v]) + mins[r][v];
}

/*
 * The 8 scales then the 8 minimums of a Q4_K/Q5_K super-block (6 bits each, packed in 12 bytes at
 * s) as 16 bytes: sub-blocks 0-3 keep theirs in the low 6 bits of bytes 0-3 (scales) and 4-7
 * (minimums); 4-7 have their low 4 bits in bytes 8-11 (scale in the low nibble, minimum in the
 * high) and their top 2 bits in the spare top bits of bytes 0-7. Rearranged four bytes at a time.
 */
ALWAYS_INLINE __m128i k_scales_mins(const uint8_t *s) {
  uint32_t u[4];
  memcpy(u, s, 12);
  const uint32_t six = 0x3f3f3f3f, four = 0x0f0f0f0f, two = 0x03030303;
  uint32_t mins_hi = ((u[2] >> 4) & four) | ((u[1] >> 6) & two) << 4;
  uint32_t mins_lo = u[1] & six;
  uint32_t scales_hi = (u[2] & four) | ((u[0] >> 6) & two) << 4;
  uint32_t scales_lo = u[0] & six;
  return _mm_setr_epi32((int)scales_lo, (int)scales_hi, (int)mins_lo, (int)mins_hi);
}

/*
 * A Q4_K or Q5_K super-block's sub-blocks 2·pair and 2·pair + 1 as unsigned bytes (0..15, or 0..31
 * with Q5_K's fifth bits).
 */
ALWAYS_INLINE void k45_pair(int type, const uint8_t *blk, int pair, __m256i *w0, __m256i *w1) {
  const __m256i low = _mm256_set1_epi8(0x0f);
  __m256i raw = _mm256_loadu_si256((const __m256i *)(blk + (type == T_Q4_K ? 16 : 48) + 32 * pair));
  *w0 = _mm256_and_si256(raw, low);
  *w1 = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low);
  if (type == T_Q5_K) {
    __m256i h = _mm256_srli_epi16(_mm256_loadu_si256((const __m256i *)(blk + 16)), 2 * pair);
    *w0 = _mm256_or_si256(*w0, _mm256_slli_epi16(_mm256_and_si256(h, _mm256_set1_epi8(1)), 4));
    *w1 = _mm256_or_si256(*w1, _mm256_slli_epi16(_mm256_and_si256(h, _mm256_set1_epi8(2)), 3));
  }
}

/* For each of V vectors, the minimums of k_scales_mins times x's sums of super-block b's
 * sub-blocks: what the offsets take away, in x's quantized units. */
ALWAYS_INLINE void k45_mins(__m128i both, long b, const xs_t *x, int V, int *msum) {
  __m256i m = _mm256_cvtepu8_epi32(_mm_unpackhi_epi64(both, both));
  for (int v = 0; v < V; v++) {
    __m256i t = _mm256_mullo_epi32(m, _mm256_loadu_si256((const __m256i *)(x->s[v] + 8 * b)));
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
    h = _mm_add_epi32(h, _mm_unpackhi_epi64(h, h));
    msum[v] = _mm_cvtsi128_si32(h) + _mm_extract_epi32(h, 1);
  }
}

/* A Q4_K or Q5_K super-block b's 8 scales as ints, and its minimums' share (k45_mins). */
ALWAYS_INLINE void k45_scales(const uint8_t *blk, long b, const xs_t *x, int V, int *sc, int *msum) {
  __m128i both = k_scales_mins(blk + 4);
  _mm256_storeu_si256((__m256i *)sc, _mm256_cvtepu8_epi32(both));
  k45_mins(both, b, x, V, msum);
}

/* Half h of a Q6_K super-block: its four sub-blocks of 32 as unsigned bytes (0..63, bias 32). */
ALWAYS_INLINE void q6k_half(const uint8_t *blk, int h, __m256i *q) {
  const __m256i low = _mm256_set1_epi8(0x0f), two = _mm256_set1_epi8(3);
  const __m256i top = _mm256_set1_epi8(0x30);
  const uint8_t *ql = blk + 64 * h;
  __m256i la = _mm256_loadu_si256((const __m256i *)ql);
  __m256i lb = _mm256_loadu_si256((const __m256i *)(ql + 32));
  __m256i hb = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h));
  q[0] = _mm256_or_si256(_mm256_and_si256(la, low), _mm256_slli_epi16(_mm256_and_si256(hb, two), 4));
  q[1] = _mm256_or_si256(_mm256_and_si256(lb, low),
                         _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), two), 4));
  q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(la, 4), low), _mm256_and_si256(hb, top));
  q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(lb, 4), low),
                         _mm256_and_si256(_mm256_srli_epi16(hb, 2), top));
}

/*
 * R rows by V vectors of Q4_K or Q5_K super-blocks (256 weights: 8 sub-blocks of 32, weight =
 * d·sc·q − dmin·m, sc and m of 6 bits): res[r*V + v]. A super-block's products and offsets are
 * summed in integers, then scaled once.
 */
ALWAYS_INLINE void rows_k45(int type, const uint8_t *const *w, int R, int nb, const xs_t *x, int V,
                            float *res) {
  const int bytes = type == T_Q4_K ? 144 : 176;
  __m256 acc[4][4];
  float mins[4][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) {
      acc[r][v] = _mm256_setzero_ps();
      mins[r][v] = 0.0f;
    }
  for (long b = 0; b < nb; b++) {
    for (int r = 0; r < R; r++) {
      const uint8_t *blk = w[r] + bytes * b;
      int sc[8], msum[4];
      k45_scales(blk, b, x, V, sc, msum);
      __m256i isum[4];
      for (int v = 0; v < V; v++) isum[v] = _mm256_setzero_si256();
      for (int pair = 0; pair < 4; pair++) {
        __m256i w0, w1;
        k45_pair(type, blk, pair, &w0, &w1);
        __m256i s0 = _mm256_set1_epi16((short)sc[2 * pair]);
        __m256i s1 = _mm256_set1_epi16((short)sc[2 * pair + 1]);
        for (int v = 0; v < V; v++) {
          const int8_t *xq = x->q[v] + 256 * b + 64 * pair;
          __m256i p0 = _mm256_maddubs_epi16(w0, _mm256_loadu_si256((const __m256i *)xq));
          __m256i p1 = _mm256_maddubs_epi16(w1, _mm256_loadu_si256((const __m256i *)(xq + 32)));
          isum[v] = _mm256_add_epi32(isum[v], _mm256_add_epi32(_mm256_madd_epi16(p0, s0),
                                                                _mm256_madd_epi16(p1, s1)));
        }
      }
      float d = half(blk), dmin = half(blk + 2);
      for (int v = 0; v < V; v++) {
        float dx = x->d[v][b];
        acc[r][v] = _mm256_fmadd_ps(_mm256_set1_ps(d * dx), _mm256_cvtepi32_ps(isum[v]), acc[r][v]);
        mins[r][v] += dmin * dx * (float)msum[v];
      }
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) res[r * V + v] = hsum(acc[r][v]) - mins[r][v];
}

/* Super-block b's integer sums of V vectors into their accumulators: acc[v] += isum[v] · d · dx. */
ALWAYS_INLINE void scaled_into(float d, const xs_t *x, int V, long b, const __m256i *isum,
                               __m256 *acc) {
  for (int v = 0; v < V; v++)
    acc[v] = _mm256_fmadd_ps(_mm256_set1_ps(d * x->d[v][b]), _mm256_cvtepi32_ps(isum[v]), acc[v]);
}

/*
 * R rows by V vectors of Q6_K super-blocks (256 weights: 16 sub-blocks of 16, 8-bit signed scales,
 * weight = d·sc·(q − 32)), a super-block summed in integers as rows_k45 does.
 */
ALWAYS_INLINE void rows_q6k(const uint8_t *const *w, int R, int nb, const xs_t *x, int V,
                            float *res) {
  const __m256i bias = _mm256_set1_epi8(32);
  __m256 acc[4][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) acc[r][v] = _mm256_setzero_ps();
  for (long b = 0; b < nb; b++) {
    for (int r = 0; r < R; r++) {
      const uint8_t *blk = w[r] + 210 * b;
      __m256i isum[4];
      for (int v = 0; v < V; v++) isum[v] = _mm256_setzero_si256();
      for (int h = 0; h < 2; h++) {
        const int8_t *sc = (const int8_t *)(blk + 192 + 8 * h);
        __m256i q[4];
        q6k_half(blk, h, q);
        for (int k = 0; k < 4; k++) {
          __m256i wq = _mm256_sub_epi8(q[k], bias);
          __m256i aw = _mm256_sign_epi8(wq, wq);
          __m256i scales = _mm256_set_m128i(_mm_set1_epi16(sc[2 * k + 1]), _mm_set1_epi16(sc[2 * k]));
          for (int v = 0; v < V; v++) {
            __m256i xv = _mm256_loadu_si256((const __m256i *)(x->q[v] + 256 * b + 128 * h + 32 * k));
            __m256i p = _mm256_maddubs_epi16(aw, _mm256_sign_epi8(xv, wq));
            isum[v] = _mm256_add_epi32(isum[v], _mm256_madd_epi16(p, scales));
          }
        }
      }
      scaled_into(half(blk + 208), x, V, b, isum, acc[r]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) res[r * V + v] = hsum(acc[r][v]);
}

/*
 * R rows by V vectors of IQ4_XS super-blocks (256 weights: 8 sub-blocks of 32 indices into
 * IQ4_VALUES, each with a 6-bit scale less 32; weight = d·(scale − 32)·value), a super-block summed
 * in integers as rows_k45 does.
 */
ALWAYS_INLINE void rows_iq4_xs(const uint8_t *const *w, int R, int nb, const xs_t *x, int V,
                               float *res) {
  __m256 acc[4][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) acc[r][v] = _mm256_setzero_ps();
  for (long b = 0; b < nb; b++) {
    for (int r = 0; r < R; r++) {
      const uint8_t *blk = w[r] + 136 * b;
      int high = blk[2] | blk[3] << 8;
      __m256i isum[4];
      for (int v = 0; v < V; v++) isum[v] = _mm256_setzero_si256();
      for (int j = 0; j < 8; j++) {
        int scale = ((blk[4 + j / 2] >> 4 * (j % 2)) & 0x0f) | ((high >> 2 * j) & 3) << 4;
        __m256i wq = iq4_values(nibbles32(blk + 8 + 16 * j, 0));
        for (int v = 0; v < V; v++) {
          __m256i p = dot_signed(wq, _mm256_loadu_si256((const __m256i *)(x->q[v] + 256 * b + 32 * j)));
          isum[v] = _mm256_add_epi32(isum[v], _mm256_mullo_epi32(p, _mm256_set1_epi32(scale - 32)));
        }
      }
      scaled_into(half(blk), x, V, b, isum, acc[r]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) res[r * V + v] = hsum(acc[r][v]);
}

/*
 * R rows by V vectors of Q3_K super-blocks (256 weights: 16 sub-blocks of 16, 6-bit scales less 32,
 * weight = d·(scale − 32)·q with q in −4..3 from two low bits and a top bit whose absence takes 4
 * away), a super-block summed in integers as rows_k45 does.
 */
ALWAYS_INLINE void rows_q3k(const uint8_t *const *w, int R, int nb, const xs_t *x, int V,
                            float *res) {
  __m256 acc[4][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) acc[r][v] = _mm256_setzero_ps();
  for (long b = 0; b < nb; b++) {
    for (int r = 0; r < R; r++) {
      const uint8_t *blk = w[r] + 110 * b, *sc = blk + 96;
      __m256i hmask = _mm256_loadu_si256((const __m256i *)blk);
      __m256i isum[4];
      for (int v = 0; v < V; v++) isum[v] = _mm256_setzero_si256();
      for (int h = 0; h < 2; h++) {
        __m256i qs = _mm256_loadu_si256((const __m256i *)(blk + 32 + 32 * h));
        for (int t = 0; t < 4; t++) {
          /* Values 128h + 32t + l: sub-blocks 8h + 2t (l < 16) and 8h + 2t + 1. */
          __m256i low = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * t), _mm256_set1_epi8(3));
          __m256i top = _mm256_and_si256(_mm256_srli_epi16(hmask, 4 * h + t), _mm256_set1_epi8(1));
          __m256i wq = _mm256_sub_epi8(_mm256_or_si256(low, _mm256_slli_epi16(top, 2)), _mm256_set1_epi8(4));
          int i0 = 8 * h + 2 * t, i1 = i0 + 1;
          int s0 = (((sc[i0 % 8] >> 4 * (i0 / 8)) & 0x0f) | ((sc[8 + i0 % 4] >> 2 * (i0 / 4)) & 3) << 4) - 32;
          int s1 = (((sc[i1 % 8] >> 4 * (i1 / 8)) & 0x0f) | ((sc[8 + i1 % 4] >> 2 * (i1 / 4)) & 3) << 4) - 32;
          __m256i scales = _mm256_setr_epi32(s0, s0, s0, s0, s1, s1, s1, s1);
          for (int v = 0; v < V; v++) {
            __m256i xv = _mm256_loadu_si256((const __m256i *)(x->q[v] + 256 * b + 128 * h + 32 * t));
            isum[v] = _mm256_add_epi32(isum[v], _mm256_mullo_epi32(dot_signed(wq, xv), scales));
          }
        }
      }
      scaled_into(half(blk + 108), x, V, b, isum, acc[r]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) res[r * V + v] = hsum(acc[r][v]);
}

/*
 * R rows by V vectors of Q2_K super-blocks (256 weights: 16 sub-blocks of 16, 4-bit scales and
 * minimums, weight = d·scale·q − dmin·min with q of 2 bits), the products and the minimums' share
 * (min · x's sum of the sub-block) summed in integers over a super-block, as rows_k45 does.
 */
ALWAYS_INLINE void rows_q2k(const uint8_t *const *w, int R, int nb, const xs_t *x, int V,
                            float *res) {
  __m256 acc[4][4];
  float mins[4][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) {
      acc[r][v] = _mm256_setzero_ps();
      mins[r][v] = 0.0f;
    }
  for (long b = 0; b < nb; b++) {
    for (int r = 0; r < R; r++) {
      const uint8_t *blk = w[r] + 84 * b;
      __m256i isum[4], msum[4];
      for (int v = 0; v < V; v++) isum[v] = msum[v] = _mm256_setzero_si256();
      for (int h = 0; h < 2; h++) {
        __m256i qs = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * h));
        for (int t = 0; t < 4; t++) {
          /* Values 128h + 32t + l: sub-blocks 8h + 2t (l < 16) and 8h + 2t + 1. */
          __m256i wq = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * t), _mm256_set1_epi8(3));
          int i0 = 8 * h + 2 * t;
          __m256i scales = _mm256_setr_epi32(blk[i0] & 15, blk[i0] & 15, blk[i0] & 15, blk[i0] & 15,
                                             blk[i0 + 1] & 15, blk[i0 + 1] & 15, blk[i0 + 1] & 15, blk[i0 + 1] & 15);
          __m256i mins4 = _mm256_setr_epi32(blk[i0] >> 4, blk[i0] >> 4, blk[i0] >> 4, blk[i0] >> 4,
                                            blk[i0 + 1] >> 4, blk[i0 + 1] >> 4, blk[i0 + 1] >> 4, blk[i0 + 1] >> 4);
          for (int v = 0; v < V; v++) {
            __m256i xv = _mm256_loadu_si256((const __m256i *)(x->q[v] + 256 * b + 128 * h + 32 * t));
            __m256i ones = _mm256_set1_epi16(1);
            __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(wq, xv), ones);
            __m256i sx = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), xv), ones);
            isum[v] = _mm256_add_epi32(isum[v], _mm256_mullo_epi32(p, scales));
            msum[v] = _mm256_add_epi32(msum[v], _mm256_mullo_epi32(sx, mins4));
          }
        }
      }
      float d = half(blk + 80), dmin = half(blk + 82);
      for (int v = 0; v < V; v++) {
        float dx = x->d[v][b];
        __m128i m = _mm_add_epi32(_mm256_castsi256_si128(msum[v]), _mm256_extracti128_si256(msum[v], 1));
        m = _mm_add_epi32(m, _mm_unpackhi_epi64(m, m));
        acc[r][v] = _mm256_fmadd_ps(_mm256_set1_ps(d * dx), _mm256_cvtepi32_ps(isum[v]), acc[r][v]);
        mins[r][v] += dmin * dx * (float)(_mm_cvtsi128_si32(m) + _mm_extract_epi32(m, 1));
      }
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) res[r * V + v] = hsum(acc[r][v]) - mins[r][v];
}

ALWAYS_INLINE void rows_any(int type, const uint8_t *const *w, int R, int nb, const xs_t *x, int V,
                            float *res) {
  switch (type) {
    case T_Q8_0: rows_32(T_Q8_0, w, R, nb, x, V, res); break;
    case T_Q4_0: rows_32(T_Q4_0, w, R, nb, x, V, res); break;
    case T_Q5_0: rows_32(T_Q5_0, w, R, nb, x, V, res); break;
    case T_Q4_1: rows_32(T_Q4_1, w, R, nb, x, V, res); break;
    case T_Q5_1: rows_32(T_Q5_1, w, R, nb, x, V, res); break;
    case T_Q4_K: rows_k45(T_Q4_K, w, R, nb, x, V, res); break;
    case T_Q5_K: rows_k45(T_Q5_K, w, R, nb, x, V, res); break;
    case T_IQ4_NL: rows_32(T_IQ4_NL, w, R, nb, x, V, res); break;
    case T_IQ4_XS: rows_iq4_xs(w, R, nb, x, V, res); break;
    case T_Q3_K: rows_q3k(w, R, nb, x, V, res); break;
    case T_Q2_K: rows_q2k(w, R, nb, x, V, res); break;
    default: rows_q6k(w, R, nb, x, V, res); break;
  }
}

/*
 * The same products 512 bits at a time with AVX-512 VNNI (vpdpbusd multiplies bytes and sums four
 * into an int in one instruction), for CPUs that have it (Zen 4 and 5, Intel since Ice Lake): two
 * blocks of 32, or two sub-blocks, per register. Their sums run in another order than the 256-bit
 * kernels', so one CPU always takes one of the two (wg_isa).
 */
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")

ALWAYS_INLINE __m512i join(__m256i lo, __m256i hi) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

ALWAYS_INLINE __m512 join_ps(float lo, float hi) {
  return _mm512_insertf32x8(_mm512_set1_ps(lo), _mm256_set1_ps(hi), 1);
}

/* Blocks of 32 as unsigned bytes: Q8_0's plus 128, Q4_0's and Q5_0's without their bias. */
ALWAYS_INLINE __m256i ublock32(int type, const uint8_t *blk) {
  if (type == T_Q8_0) {
    return _mm256_xor_si256(q8_0_block(blk), _mm256_set1_epi8((char)0x80));
  }
  if (type == T_Q4_0) {
    __m128i raw = _mm_loadu_si128((const __m128i *)(blk + 2));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0f));
  }
  return _mm256_add_epi8(q5_0_block(blk), _mm256_set1_epi8(16));
}

/* Two blocks of 32 as unsigned bytes, block b0's in the lower half. */
ALWAYS_INLINE __m512i ublock64(int type, const uint8_t *b0, const uint8_t *b1) {
  if (type != T_Q4_0) {
    return join(ublock32(type, b0), ublock32(type, b1));
  }
  /* [b0, b1]'s nibbles as [b0, b0, b1, b1], the second copy of each shifted to its high nibbles. */
  __m256i both = _mm256_set_m128i(_mm_loadu_si128((const __m128i *)(b1 + 2)),
                                  _mm_loadu_si128((const __m128i *)(b0 + 2)));
  __m512i twice = _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 1, 0, 1, 2, 3, 2, 3),
                                           _mm512_castsi256_si512(both));
  __m512i shifted = _mm512_srlv_epi64(twice, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4));
  return _mm512_and_si512(shifted, _mm512_set1_epi8(0x0f));
}

/* The f16 scales of two blocks, b0's in the lower 8 lanes, b1's in the upper. */
ALWAYS_INLINE __m512 scales64(const uint8_t *b0, const uint8_t *b1) {
  uint16_t h0, h1;
  memcpy(&h0, b0, 2);
  memcpy(&h1, b1, 2);
  __m128 two = _mm_cvtph_ps(_mm_cvtsi32_si128((int)h0 | (int)h1 << 16));
  return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
                               _mm512_castps128_ps512(two));
}

/*
 * Blocks of 32 two at a time: unsigned weights by signed x with vpdpbusd, which starts from the
 * bias's share (x->c), so each int lane is the sum of 4 products of the signed weights.
 */
ALWAYS_INLINE void rows_32_512(int type, const uint8_t *const *w, int R, int nb, const xs_t *x,
                               int V, float *res) {
  const int bytes = bytes32(type);
  __m512 acc[4][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) acc[r][v] = _mm512_setzero_ps();
  long b = 0;
  for (; b + 2 <= nb; b += 2) {
    _Pragma("GCC unroll 4") for (int r = 0; r < R; r++) {
      const uint8_t *b0 = w[r] + bytes * b, *b1 = b0 + bytes;
      /* The same bytes and scales either way; the shuffles are faster alone, the loads and
       * inserts where sixteen products share each decode (4–5 % each). */
      int shared = R * V >= 16;
      __m512i u = shared ? join(ublock32(type, b0), ublock32(type, b1)) : ublock64(type, b0, b1);
      __m512 dw = shared ? join_ps(half(b0), half(b1)) : scales64(b0, b1);
      _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) {
        __m512i dot = _mm512_dpbusd_epi32(_mm512_loadu_si512(x->c[v] + 8 * b), u,
                                          _mm512_loadu_si512(x->q[v] + 32 * b));
        __m512 scale = _mm512_mul_ps(dw, _mm512_loadu_ps(x->dx2[v] + 8 * b));
        acc[r][v] = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(dot), acc[r][v]);
      }
    }
  }
  if (b < nb) {
    /* An odd last block: the upper half's weights, bias share and scales are zero. */
    _Pragma("GCC unroll 4") for (int r = 0; r < R; r++) {
      const uint8_t *b0 = w[r] + bytes * b;
      __m512i u = _mm512_zextsi256_si512(ublock32(type, b0));
      __m512 dw = join_ps(half(b0), 0.0f);
      _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) {
        __m512i c = _mm512_maskz_loadu_epi32(0x00ff, x->c[v] + 8 * b);
        __m512i xv = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(x->q[v] + 32 * b)));
        __m512i dot = _mm512_dpbusd_epi32(c, u, xv);
        __m512 scale = _mm512_mul_ps(dw, _mm512_loadu_ps(x->dx2[v] + 8 * b));
        acc[r][v] = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(dot), acc[r][v]);
      }
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) res[r * V + v] = _mm512_reduce_add_ps(acc[r][v]);
}

ALWAYS_INLINE void rows_k45_512(int type, const uint8_t *const *w, int R, int nb, const xs_t *x,
                                int V, float *res) {
  const int bytes = type == T_Q4_K ? 144 : 176;
  __m512 acc[4][4];
  float mins[4][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) {
      acc[r][v] = _mm512_setzero_ps();
      mins[r][v] = 0.0f;
    }
  for (long b = 0; b < nb; b++) {
    for (int r = 0; r < R; r++) {
      const uint8_t *blk = w[r] + bytes * b;
      int msum[4];
      __m128i both = k_scales_mins(blk + 4);
      __m512i sc = _mm512_cvtepu8_epi32(both);
      k45_mins(both, b, x, V, msum);
      __m512i isum[4];
      for (int v = 0; v < V; v++) isum[v] = _mm512_setzero_si512();
      for (int pair = 0; pair < 4; pair++) {
        __m256i w0, w1;
        k45_pair(type, blk, pair, &w0, &w1);
        __m512i wz = join(w0, w1);
        /* Sub-block 2·pair's scale in the low 8 lanes, 2·pair + 1's in the high 8. */
        __m512i scales = _mm512_permutexvar_epi32(
            _mm512_add_epi32(_mm512_set1_epi32(2 * pair),
                             _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)),
            sc);
        for (int v = 0; v < V; v++) {
          __m512i xz = _mm512_loadu_si512(x->q[v] + 256 * b + 64 * pair);
          __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wz, xz);
          isum[v] = _mm512_add_epi32(isum[v], _mm512_mullo_epi32(dot, scales));
        }
      }
      float d = half(blk), dmin = half(blk + 2);
      for (int v = 0; v < V; v++) {
        float dx = x->d[v][b];
        acc[r][v] = _mm512_fmadd_ps(_mm512_set1_ps(d * dx), _mm512_cvtepi32_ps(isum[v]), acc[r][v]);
        mins[r][v] += dmin * dx * (float)msum[v];
      }
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) res[r * V + v] = _mm512_reduce_add_ps(acc[r][v]) - mins[r][v];
}

ALWAYS_INLINE void rows_q6k_512(const uint8_t *const *w, int R, int nb, const xs_t *x, int V,
                                float *res) {
  /* Each of a half's 8 scales, for the 4 int lanes (16 values) it covers. */
  const __m128i first = _mm_setr_epi8(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
  const __m128i second = _mm_setr_epi8(4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7);
  __m512 acc[4][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) acc[r][v] = _mm512_setzero_ps();
  for (long b = 0; b < nb; b++) {
    for (int r = 0; r < R; r++) {
      const uint8_t *blk = w[r] + 210 * b;
      __m512i isum[4];
      for (int v = 0; v < V; v++) isum[v] = _mm512_setzero_si512();
      for (int h = 0; h < 2; h++) {
        __m128i sc = _mm_loadl_epi64((const __m128i *)(blk + 192 + 8 * h));
        __m512i sA = _mm512_cvtepi8_epi32(_mm_shuffle_epi8(sc, first));
        __m512i sB = _mm512_cvtepi8_epi32(_mm_shuffle_epi8(sc, second));
        __m256i q[4];
        q6k_half(blk, h, q);
        /* Unsigned (0..63): vpdpbusd starts from the bias's share, −32 · Σ x per lane. */
        __m512i wA = join(q[0], q[1]), wB = join(q[2], q[3]);
        for (int v = 0; v < V; v++) {
          long at = 256 * b + 128 * h;
          const int8_t *xq = x->q[v] + at;
          const int32_t *c = x->c[v] + at / 4;
          __m512i dA = _mm512_dpbusd_epi32(_mm512_loadu_si512(c), wA, _mm512_loadu_si512(xq));
          __m512i dB = _mm512_dpbusd_epi32(_mm512_loadu_si512(c + 16), wB, _mm512_loadu_si512(xq + 64));
          isum[v] = _mm512_add_epi32(isum[v], _mm512_add_epi32(_mm512_mullo_epi32(dA, sA),
                                                                _mm512_mullo_epi32(dB, sB)));
        }
      }
      float d = half(blk + 208);
      for (int v = 0; v < V; v++)
        acc[r][v] = _mm512_fmadd_ps(_mm512_set1_ps(d * x->d[v][b]), _mm512_cvtepi32_ps(isum[v]), acc[r][v]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) res[r * V + v] = _mm512_reduce_add_ps(acc[r][v]);
}

/*
 * Q8_0 at 512 bits sums every (row, vector) in the one order that suits 16 rows at a time
 * (q8_0_strips, for two vectors or more): each block's 32 products summed exactly as integers,
 * then acc = fma(sum, dw·dx, acc) block after block from acc = 0. The one-vector kernels reduce
 * their rows' lanes to those sums first.
 */

ALWAYS_INLINE float fma1(float a, float b, float c) {
  return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
}

/* Block blk by x's block (its bytes xq, their sum xsum) as the exact integer sum. */
ALWAYS_INLINE int q8_0_dot(const uint8_t *blk, const int8_t *xq, int32_t xsum) {
  __m256i d = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ublock32(T_Q8_0, blk),
                                  _mm256_loadu_si256((const __m256i *)xq));
  __m128i h = _mm_add_epi32(_mm256_castsi256_si128(d), _mm256_extracti128_si256(d, 1));
  h = _mm_add_epi32(h, _mm_unpackhi_epi64(h, h));
  h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 1));
  /* The weights went in unsigned, 128 more each. */
  return _mm_cvtsi128_si32(h) - 128 * xsum;
}

/* acc after block b of row w by one vector (the one order's step, for a single row). */
ALWAYS_INLINE float q8_0_step(const uint8_t *w, long b, const xs_t *x, float acc) {
  const uint8_t *blk = w + 34 * b;
  float sum = (float)q8_0_dot(blk, x->q[0] + 32 * b, x->s[0][b]);
  return fma1(sum, half(blk) * x->d[0][b], acc);
}

/* One row by one vector: the rows the four-row kernel leaves. */
static void q8_0_r1v1_512(const uint8_t *const *w, int nb, const xs_t *x, float *res) {
  float acc = 0.0f;
  for (long b = 0; b < nb; b++) acc = q8_0_step(w[0], b, x, acc);
  res[0] = acc;
}

ALWAYS_INLINE int load16(const uint8_t *p) {
  uint16_t h;
  memcpy(&h, p, 2);
  return h;
}

/*
 * Four rows' dots with two blocks of x (16 int lanes each, a block in each half) reduced to their
 * sums: rows 0-3 of the first block, then of the second.
 */
ALWAYS_INLINE __m256i sums4x2(const __m512i *d) {
  __m512i a = _mm512_add_epi32(_mm512_unpacklo_epi32(d[0], d[1]), _mm512_unpackhi_epi32(d[0], d[1]));
  __m512i c = _mm512_add_epi32(_mm512_unpacklo_epi32(d[2], d[3]), _mm512_unpackhi_epi32(d[2], d[3]));
  /* Each 128 bits: the four rows' sums of that quarter's four lanes. */
  __m512i q = _mm512_add_epi32(_mm512_unpacklo_epi64(a, c), _mm512_unpackhi_epi64(a, c));
  q = _mm512_shuffle_i32x4(q, q, _MM_SHUFFLE(3, 1, 2, 0));
  return _mm256_add_epi32(_mm512_castsi512_si256(q), _mm512_extracti64x4_epi64(q, 1));
}

/*
 * Rows w[0..4) by one vector, two blocks at a time (wg_rows's four streams): x->c holds the bias's
 * share and x->dx2 x's scales, each 4 lanes of a pair's first block then 4 of its second.
 */
static void q8_0_r4v1_512(const uint8_t *const *w, int nb, const xs_t *x, float *res) {
  __m128 acc = _mm_setzero_ps();
  long b = 0;
  for (; b + 2 <= nb; b += 2) {
    __m512i xv = _mm512_loadu_si512(x->q[0] + 32 * b);
    __m512i d[4];
    __m128i h = _mm_setzero_si128();
    _Pragma("GCC unroll 4") for (int r = 0; r < 4; r++) {
      const uint8_t *b0 = w[r] + 34 * b, *b1 = b0 + 34;
      __m512i u = join(ublock32(T_Q8_0, b0), ublock32(T_Q8_0, b1));
      d[r] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, xv);
      h = _mm_insert_epi16(h, load16(b0), r);
      h = _mm_insert_epi16(h, load16(b1), 4 + r);
    }
    __m256i sums = _mm256_add_epi32(sums4x2(d), _mm256_loadu_si256((const __m256i *)(x->c[0] + 4 * b)));
    __m256 f = _mm256_cvtepi32_ps(sums);
    __m256 dd = _mm256_mul_ps(_mm256_cvtph_ps(h), _mm256_loadu_ps(x->dx2[0] + 4 * b));
    acc = _mm_fmadd_ps(_mm256_castps256_ps128(f), _mm256_castps256_ps128(dd), acc);
    acc = _mm_fmadd_ps(_mm256_extractf128_ps(f, 1), _mm256_extractf128_ps(dd, 1), acc);
  }
  _mm_storeu_ps(res, acc);
  if (b < nb) {
    for (int r = 0; r < 4; r++) res[r] = q8_0_step(w[r], b, x, res[r]);
  }
}

/*
 * Sixteen rows at a time: lane i of a strip's vectors holds row STRIP_ROW(i), the order in which
 * q8_0_strip_block's transposition leaves them.
 */
#define STRIP_ROW(i) (((i) & 3) | ((i) & 4) << 1 | ((i) & 8) >> 1)

/* A strip's rows (the last repeated up to 16), 2 bytes in: where their blocks' bytes start. */
typedef struct {
  const uint8_t *row[16];
  /* Lane i: where row STRIP_ROW(i) starts, from the first. */
  __m512i offsets;
  const uint8_t *first;
  /* The next strip, fetched while this one is taken apart: its start and cache lines. */
  const uint8_t *next;
  long lines;
} strip_t;

/* Block b's share (of nb) of the next strip's cache lines, fetched (llm_fetch.h's level: on a Zen 4,
 * 0.74-0.81x the time of fetching into L1 with 2 to 8 vectors). */
ALWAYS_INLINE void fetch_next(const strip_t *st, long b, int nb) {
  for (long l = b * st->lines / nb; l < (b + 1) * st->lines / nb; l++)
    fetch_line((const char *)st->next + 64 * l);
}

ALWAYS_INLINE void strip_rows(const uint8_t *w, long rowBytes, int rows, strip_t *st) {
  int at[16];
  for (int i = 0; i < 16; i++) {
    st->row[i] = w + (i < rows ? i : rows - 1) * rowBytes + 2;
    at[i] = (int)((STRIP_ROW(i) < rows ? STRIP_ROW(i) : rows - 1) * rowBytes);
  }
  st->offsets = _mm512_loadu_si512(at);
  st->first = w;
}

/*
 * Block b of a strip's 16 rows: 8 vectors of the rows' bytes 4g to 4g + 3 (g = 0..7) as unsigned,
 * lane i row STRIP_ROW(i), and the rows' scales.
 */
ALWAYS_INLINE void q8_0_strip_block(const strip_t *st, long b, __m512i *wg, __m512 *dw) {
  /* z[i]: rows i and i + 8 as 8 ints each; a transposition of two 8 × 8 within the halves. */
  __m512i z[8], t[8], u[8];
  for (int i = 0; i < 8; i++)
    z[i] = join(_mm256_loadu_si256((const __m256i *)(st->row[i] + 34 * b)),
                _mm256_loadu_si256((const __m256i *)(st->row[i + 8] + 34 * b)));
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm512_unpacklo_epi32(z[i], z[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(z[i], z[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    /* Each: g and g + 4 of rows i..i+3 (and of i + 8..i + 11), g = 0, 1, 2, 3. */
    u[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
    u[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
    u[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
    u[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  const __m512i bias = _mm512_set1_epi8((char)0x80);
  for (int g = 0; g < 4; g++) {
    wg[g] = _mm512_xor_si512(_mm512_shuffle_i32x4(u[g], u[g + 4], _MM_SHUFFLE(2, 0, 2, 0)), bias);
    wg[g + 4] = _mm512_xor_si512(_mm512_shuffle_i32x4(u[g], u[g + 4], _MM_SHUFFLE(3, 1, 3, 1)), bias);
  }
  /* Each block starts with its f16 scale: the low half of the int there. */
  __m512i d = _mm512_i32gather_epi32(st->offsets, st->first + 34 * b, 1);
  *dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(d));
}

/* Block b of a strip (wg, dw) by V vectors (q[v], d[v], s[v] as wg_quantize gives them), into acc[v]. */
ALWAYS_INLINE void q8_0_strip_dot(const __m512i *wg, __m512 dw, long b, const int8_t *const *q,
                                  const float *const *d, const int32_t *const *s, int V,
                                  __m512 *acc) {
  _Pragma("GCC unroll 8") for (int v = 0; v < V; v++) {
    const int8_t *xb = q[v] + 32 * b;
    __m512i dot = _mm512_set1_epi32(-128 * s[v][b]);
    _Pragma("GCC unroll 8") for (int g = 0; g < 8; g++) {
      int32_t x4;
      memcpy(&x4, xb + 4 * g, 4);
      dot = _mm512_dpbusd_epi32(dot, wg[g], _mm512_set1_epi32(x4));
    }
    acc[v] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(dw, _mm512_set1_ps(d[v][b])), acc[v]);
  }
}

/* A strip by V vectors (at most 8), each block taken apart and dotted at once: lane i row STRIP_ROW(i). */
ALWAYS_INLINE void q8_0_strip(const strip_t *st, int nb, const int8_t *const *q,
                              const float *const *d, const int32_t *const *s, int V, __m512 *acc) {
  for (int v = 0; v < V; v++) acc[v] = _mm512_setzero_ps();
  for (long b = 0; b < nb; b++) {
    fetch_next(st, b, nb);
    __m512i wg[8];
    __m512 dw;
    q8_0_strip_block(st, b, wg, &dw);
    q8_0_strip_dot(wg, dw, b, q, d, s, V, acc);
  }
}

/* The same from a strip packed by q8_0_pack, for each group of vectors beyond the first. */
ALWAYS_INLINE void q8_0_packed(const __m512i *panel, const __m512 *scales, int nb,
                               const int8_t *const *q, const float *const *d,
                               const int32_t *const *s, int V, __m512 *acc) {
  for (int v = 0; v < V; v++) acc[v] = _mm512_setzero_ps();
  for (long b = 0; b < nb; b++) q8_0_strip_dot(panel + 8 * b, scales[b], b, q, d, s, V, acc);
}

static void q8_0_pack(const strip_t *st, int nb, __m512i *panel, __m512 *scales) {
  for (long b = 0; b < nb; b++) {
    fetch_next(st, b, nb);
    q8_0_strip_block(st, b, panel + 8 * b, scales + b);
  }
}

#define STRIP(V) \
  case V: q8_0_strip(&st, nb, q, d, s, V, acc); break;
#define PACKED(V) \
  case V: q8_0_packed(panel, scales, nb, q, d, s, V, acc); break;

/*
 * Rows [from, to) of Q8_0 by n vectors (2 or more), sixteen rows at a time: with every vector
 * multiplying 16 rows' bytes at once there is no lane to add up afterwards, so a byte of weights
 * costs an eighth of an instruction per vector (the four-row kernels: about 0.6), and taking each
 * block apart for that costs another ~0.1. Up to 8 vectors dot each block as it is taken apart;
 * more, every strip is packed once (into `space`: 576 bytes a block, 64-byte aligned) for all their
 * groups of 8.
 */
static void q8_0_strips(const uint8_t *w, long rowBytes, int from, int to, int nb,
                        const int8_t *xq, const float *xd, const int32_t *xsum, int n, float *out,
                        long outStride, void *space) {
  __m512i *panel = space;
  __m512 *scales = (__m512 *)(panel + 8L * nb);
  long cols = 32L * nb;
  for (int r0 = from; r0 < to; r0 += 16) {
    int rows = to - r0 < 16 ? to - r0 : 16;
    strip_t st;
    strip_rows(w + (long)r0 * rowBytes, rowBytes, rows, &st);
    int after = to - r0 - rows < 16 ? to - r0 - rows : 16;
    st.next = w + (long)(r0 + rows) * rowBytes;
    st.lines = (after * rowBytes + 63) / 64;
    if (n > 8) q8_0_pack(&st, nb, panel, scales);
    for (int v0 = 0; v0 < n; v0 += 8) {
      int V = n - v0 < 8 ? n - v0 : 8;
      const int8_t *q[8];
      const float *d[8];
      const int32_t *s[8];
      for (int v = 0; v < V; v++) {
        q[v] = xq + (v0 + v) * cols;
        d[v] = xd + (long)(v0 + v) * nb;
        s[v] = xsum + (long)(v0 + v) * nb;
      }
      __m512 acc[8];
      if (n <= 8) {
        switch (V) { STRIP(2) STRIP(3) STRIP(4) STRIP(5) STRIP(6) STRIP(7) default: STRIP(8) }
      } else {
        switch (V) {
          PACKED(1) PACKED(2) PACKED(3) PACKED(4)
          PACKED(5) PACKED(6) PACKED(7) default: PACKED(8)
        }
      }
      for (int v = 0; v < V; v++) {
        __m512 inOrder = _mm512_shuffle_f32x4(acc[v], acc[v], _MM_SHUFFLE(3, 1, 2, 0));
        _mm512_mask_storeu_ps(out + (v0 + v) * outStride + r0, (__mmask16)((1u << rows) - 1), inOrder);
      }
    }
  }
}

ALWAYS_INLINE void rows_any_512(int type, const uint8_t *const *w, int R, int nb, const xs_t *x,
                                int V, float *res) {
  switch (type) {
    case T_Q4_0: rows_32_512(T_Q4_0, w, R, nb, x, V, res); break;
    case T_Q5_0: rows_32_512(T_Q5_0, w, R, nb, x, V, res); break;
    case T_Q4_K: rows_k45_512(T_Q4_K, w, R, nb, x, V, res); break;
    case T_Q5_K: rows_k45_512(T_Q5_K, w, R, nb, x, V, res); break;
    default: rows_q6k_512(w, R, nb, x, V, res); break;
  }
}

#define DEFINE_KERNEL_512(T, NAME, R, V)                                                      \
  static void NAME(const uint8_t *const *w, int nb, const xs_t *x, float *res) {              \
    rows_any_512(T, w, R, nb, x, V, res);                                                     \
  }
#define DEFINE_TYPE_512(T, P)                \
  DEFINE_KERNEL_512(T, P##_r1v1_512, 1, 1)   \
  DEFINE_KERNEL_512(T, P##_r1v2_512, 1, 2)   \
  DEFINE_KERNEL_512(T, P##_r1v3_512, 1, 3)   \
  DEFINE_KERNEL_512(T, P##_r1v4_512, 1, 4)
DEFINE_KERNEL_512(T_Q4_0, q4_0_r4v1_512, 4, 1)
DEFINE_KERNEL_512(T_Q6_K, q6_k_r2v1_512, 2, 1)
DEFINE_KERNEL_512(T_Q4_0, q4_0_r4v4_512, 4, 4)
DEFINE_KERNEL_512(T_Q5_0, q5_0_r4v4_512, 4, 4)
DEFINE_TYPE_512(T_Q4_0, q4_0)
DEFINE_TYPE_512(T_Q5_0, q5_0)
DEFINE_TYPE_512(T_Q4_K, q4_k)
DEFINE_TYPE_512(T_Q5_K, q5_k)
DEFINE_TYPE_512(T_Q6_K, q6_k)

/*
 * What the 512-bit kernels take besides x's bytes, for V vectors: x->c (the bias's share per int
 * lane, in c[V][cols/4]) for the types with a bias, and x->dx2 (x's scales of each pair of blocks,
 * in dx2[V][pairs][16]) for those with blocks of 32; Q8_0's as q8_0_r4v1_512 takes them.
 */
static void wide_inputs(int type, int cols, int nb, xs_t *x, int V, int32_t *c, float *dx2) {
  int bias = type == T_Q4_0 ? 8 : type == T_Q5_0 ? 16 : type == T_Q6_K ? 32 : 0;
  int pairs = (nb + 1) / 2;
  for (int v = 0; v < V; v++) {
    int32_t *cv = c + (long)v * (cols / 4);
    for (int i = 0; bias && i < cols; i += 64) {
      /* cols is a multiple of 32: a last half of 64 is loaded and stored masked. */
      __mmask64 in = cols - i >= 64 ? ~0ULL : 0xffffffffULL;
      __m512i xq = _mm512_maskz_loadu_epi8(in, x->q[v] + i);
      __m512i sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(1), xq);
      __m512i share = _mm512_mullo_epi32(sums, _mm512_set1_epi32(-bias));
      _mm512_mask_storeu_epi32(cv + i / 4, cols - i >= 64 ? 0xffff : 0x00ff, share);
    }
    x->c[v] = cv;
    if (type == T_Q8_0) {
      /* q8_0_r4v1_512's order: 4 lanes of a pair's first block, then 4 of its second. */
      float *dv = dx2 + (long)v * pairs * 16;
      for (int i = 0; i < 8 * pairs; i++) {
        long b = 2 * (i / 8) + (i % 8 >= 4);
        cv[i] = b < nb ? -128 * x->s[v][b] : 0;
        dv[i] = b < nb ? x->d[v][b] : 0.0f;
      }
      x->dx2[v] = dv;
    } else if (type == T_Q4_0 || type == T_Q5_0) {
      float *dv = dx2 + (long)v * pairs * 16;
      for (int p = 0; p < pairs; p++) {
        float lo = x->d[v][2 * p], hi = 2 * p + 1 < nb ? x->d[v][2 * p + 1] : 0.0f;
        _mm512_storeu_ps(dv + 16 * p, join_ps(lo, hi));
      }
      x->dx2[v] = dv;
    }
  }
}

#pragma GCC pop_options

/* The instantiations: 1 row by 1 to 4 vectors, and 4 rows by 1 for Q8_0's decoding (wg_rows). */
#define DEFINE_KERNEL(T, NAME, R, V)                                                          \
  static void NAME(const uint8_t *const *w, int nb, const xs_t *x, float *res) {              \
    rows_any(T, w, R, nb, x, V, res);                                                         \
  }
#define DEFINE_TYPE(T, P)            \
  DEFINE_KERNEL(T, P##_r1v1, 1, 1)   \
  DEFINE_KERNEL(T, P##_r1v2, 1, 2)   \
  DEFINE_KERNEL(T, P##_r1v3, 1, 3)   \
  DEFINE_KERNEL(T, P##_r1v4, 1, 4)
DEFINE_KERNEL(T_Q8_0, q8_0_r4v1, 4, 1)
DEFINE_TYPE(T_Q8_0, q8_0)
DEFINE_TYPE(T_Q4_0, q4_0)
DEFINE_TYPE(T_Q5_0, q5_0)
DEFINE_TYPE(T_Q4_1, q4_1)
DEFINE_TYPE(T_Q5_1, q5_1)
DEFINE_TYPE(T_Q4_K, q4_k)
DEFINE_TYPE(T_Q5_K, q5_k)
DEFINE_TYPE(T_Q6_K, q6_k)
DEFINE_TYPE(T_IQ4_NL, iq4_nl)
DEFINE_TYPE(T_IQ4_XS, iq4_xs)
DEFINE_TYPE(T_Q3_K, q3_k)
DEFINE_TYPE(T_Q2_K, q2_k)

typedef void (*kernel_t)(const uint8_t *const *, int, const xs_t *, float *);
typedef struct {
  kernel_t streams;
  int ways;
  kernel_t r4v4, v[5];
} kernels_t;

/*
 * The kernel of `ways` rows by one vector that reads that many streams side by side, where the
 * type has one (wg_rows); 4 rows by 4 vectors where there is one (AVX-512 has the 32 registers
 * that sixteen accumulators need); 1 row by 1 to 4 vectors.
 */
#define KERNELS(STREAMS, WAYS, R4V4, P, S) \
  { STREAMS, WAYS, R4V4, { 0, P##_r1v1##S, P##_r1v2##S, P##_r1v3##S, P##_r1v4##S } }

static const kernels_t *kernels_of(int type, int wide) {
  static const kernels_t q8_0 = KERNELS(q8_0_r4v1, 4, 0, q8_0, ), q4_0 = KERNELS(0, 0, 0, q4_0, );
  static const kernels_t q5_0 = KERNELS(0, 0, 0, q5_0, ), q4_k = KERNELS(0, 0, 0, q4_k, );
  /* Q4_1, Q5_1, IQ4_NL, IQ4_XS, Q2_K and Q3_K at 256 bits on any CPU: at 512 they are read from
   * interleaved copies. */
  static const kernels_t q4_1 = KERNELS(0, 0, 0, q4_1, ), q5_1 = KERNELS(0, 0, 0, q5_1, );
  static const kernels_t iq4_nl = KERNELS(0, 0, 0, iq4_nl, ), iq4_xs = KERNELS(0, 0, 0, iq4_xs, );
  static const kernels_t q2_k = KERNELS(0, 0, 0, q2_k, ), q3_k = KERNELS(0, 0, 0, q3_k, );
  static const kernels_t q5_k = KERNELS(0, 0, 0, q5_k, ), q6_k = KERNELS(0, 0, 0, q6_k, );
  /* Two vectors or more: q8_0_strips. */
  static const kernels_t q8_0w = {q8_0_r4v1_512, 4, 0, {0, q8_0_r1v1_512, 0, 0, 0}};
  static const kernels_t q4_0w = KERNELS(q4_0_r4v1_512, 4, q4_0_r4v4_512, q4_0, _512);
  static const kernels_t q5_0w = KERNELS(0, 0, q5_0_r4v4_512, q5_0, _512);
  static const kernels_t q4_kw = KERNELS(0, 0, 0, q4_k, _512), q5_kw = KERNELS(0, 0, 0, q5_k, _512);
  static const kernels_t q6_kw = KERNELS(q6_k_r2v1_512, 2, 0, q6_k, _512);
  switch (type) {
    case T_Q8_0: return wide ? &q8_0w : &q8_0;
    case T_Q4_0: return wide ? &q4_0w : &q4_0;
    case T_Q5_0: return wide ? &q5_0w : &q5_0;
    case T_Q4_1: return &q4_1;
    case T_Q5_1: return &q5_1;
    case T_IQ4_NL: return &iq4_nl;
    case T_IQ4_XS: return &iq4_xs;
    case T_Q3_K: return &q3_k;
    case T_Q2_K: return &q2_k;
    case T_Q4_K: return wide ? &q4_kw : &q4_k;
    case T_Q5_K: return wide ? &q5_kw : &q5_k;
    case T_Q6_K: return wide ? &q6_kw : &q6_k;
    default: return 0;
  }
}

/*
 * The kernels' width here: 512 where the CPU has AVX-512 VNNI (and BW, DQ, VL), else 256; 256
 * anyway with WASMGRID_LLM_NATIVE=avx2 in the environment (to compare the two on one machine).
 */
int wg_isa(void) {
  static int cached; /* 0 until first asked; every caller computes the same answer */
  int isa = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (!isa) {
    const char *want = getenv("WASMGRID_LLM_NATIVE");
    __builtin_cpu_init();
    int wide = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
               !(want && strcmp(want, "avx2") == 0);
    isa = wide ? 512 : 256;
    __atomic_store_n(&cached, isa, __ATOMIC_RELAXED);
  }
  return isa;
}

int wg_amd_family(void) {
  /* -1 until first asked; every caller computes the same answer. Asked once: in a virtual machine
   * cpuid traps to the host, microseconds a time. */
  static int cached = -1;
  int family = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (family < 0) {
    unsigned a, b, c, d;
    family = 0;
    /* "AuthenticAMD" in ebx, edx, ecx. */
    if (__get_cpuid(0, &a, &b, &c, &d) && b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163 &&
        __get_cpuid(1, &a, &b, &c, &d)) {
      family = (int)((a >> 8) & 0xf);
      if (family == 0xf) family += (int)((a >> 20) & 0xff);
    }
    __atomic_store_n(&cached, family, __ATOMIC_RELAXED);
  }
  return family;
}

/*
 * Rows [from, to) of a matrix of GGML type `type` (row r's blocks at w + r·rowBytes, `cols`
 * weights a row) times n vectors quantized by wg_quantize (in blocks of 256 for the K-quants, else
 * of 32): out[v·outStride + r], by the kernels of width `isa` (256, or 512 where wg_isa() is), or of
 * wg_isa() when it is 0. With one vector, Q8_0 rows (and Q4_0's, 512 bits wide) go four at a time
 * from the four quarters of the range, so that four sequential streams are read side by side: on
 * a Zen 5 core that took a stories110M-sized product from 25 to 33 GMAC/s for Q8_0 and from 29–37
 * to 43–50 for Q4_0. With two vectors or more, Q8_0 rows (512 bits wide) go sixteen at a time
 * (q8_0_strips). Q6_K's rows (512 bits wide) go two at a time from the two halves (+18 % on
 * its classifier-sized products); the others, bound by arithmetic rather than memory, went no
 * faster that way (Q4_0 256 bits wide) or slower (the K-quants four or two at a time, their rows'
 * accumulators and scales spilling out of the registers).
 * Returns 0; -1 where there was no memory for the vectors' inputs, -2 for a type it does not take
 * (nothing is written then).
 */
int wg_rows(int type, const uint8_t *w, long rowBytes, int from, int to, int cols,
            const int8_t *xq, const float *xd, const int32_t *xsum, int n, float *out,
            long outStride, int isa) {
  int wide = (isa ? isa : wg_isa()) == 512 && wg_isa() == 512;
  int blockWeights =
      (type == T_Q2_K || type == T_Q3_K || type == T_Q4_K || type == T_Q5_K || type == T_Q6_K ||
       type == T_IQ4_XS)
          ? 256
          : 32;
  int nb = cols / blockWeights;
  if (wide && type == T_Q8_0 && n >= 2) {
    if (rowBytes > INT32_MAX / 16) {
      /* A strip finds its rows' scales by int offsets; rows this long go one vector at a time,
       * which sums them in the same order (wide Q8_0 has no other kernel for several vectors). */
      for (int v = 0; v < n; v++) {
        int failed = wg_rows(type, w, rowBytes, from, to, cols, xq + (long)v * cols, xd + (long)v * nb,
                             xsum + (long)v * nb, 1, out + v * outStride, outStride, isa);
        if (failed) return failed;
      }
      return 0;
    }
    void *space = n > 8 ? aligned_alloc(64, 576L * nb) : 0;
    if (n > 8 && !space) return -1;
    q8_0_strips(w, rowBytes, from, to, nb, xq, xd, xsum, n, out, outStride, space);
    free(space);
    return 0;
  }
  int groups = (n + 3) / 4;
  /* Per group of up to 4 vectors: its pointers, and the 512-bit kernels' inputs. */
  long pairs = (nb + 1) / 2;
  long wideBytes = wide ? 4 * ((long)cols + pairs * 64) : 0;
  char *scratch = malloc(groups * ((long)sizeof(xs_t) + wideBytes));
  const kernels_t *k = kernels_of(type, wide);
  if (!scratch || !k) {
    free(scratch);
    return !k ? -2 : -1;
  }
  xs_t *xs = (xs_t *)scratch;
  for (int g = 0; g < groups; g++) {
    int v0 = 4 * g, V = n - v0 < 4 ? n - v0 : 4;
    for (int v = 0; v < V; v++) {
      xs[g].q[v] = xq + (long)(v0 + v) * cols;
      xs[g].d[v] = xd + (long)(v0 + v) * nb;
      xs[g].s[v] = xsum + (long)(v0 + v) * (cols / 32);
    }
    if (wide) {
      char *in = scratch + groups * (long)sizeof(xs_t) + g * wideBytes;
      wide_inputs(type, cols, nb, &xs[g], V, (int32_t *)in, (float *)in + cols);
    }
  }
  float res[4];
  int r = from;
  if (n == 1 && k->streams) {
    int ways = k->ways, part = (to - from) / ways;
    for (; r < from + part; r++) {
      const uint8_t *rows[4];
      for (int i = 0; i < ways; i++) rows[i] = w + (long)(r + i * part) * rowBytes;
      k->streams(rows, nb, &xs[0], res);
      for (int i = 0; i < ways; i++) out[r + i * part] = res[i];
    }
    r = from + ways * part;
  }
  /*
   * Rows go in blocks of about 32 KiB, each dotted with every group of vectors before the next: the
   * groups after the first read the block from L1 or L2 rather than from memory again.
   */
  int block = (int)(32768 / rowBytes) & ~3;
  block = block < 4 ? 4 : block;
  for (int r0 = r; r0 < to; r0 += block) {
    int r1 = to - r0 < block ? to : r0 + block;
    for (int g = 0; g < groups; g++) {
      int v0 = 4 * g, V = n - v0 < 4 ? n - v0 : 4;
      int i0 = r0;
      if (V == 4 && k->r4v4) {
        for (; i0 + 4 <= r1; i0 += 4) {
          const uint8_t *rows[4];
          for (int i = 0; i < 4; i++) rows[i] = w + (long)(i0 + i) * rowBytes;
          float res16[16];
          k->r4v4(rows, nb, &xs[g], res16);
          for (int i = 0; i < 4; i++)
            for (int v = 0; v < 4; v++) out[(long)(v0 + v) * outStride + i0 + i] = res16[i * 4 + v];
        }
      }
      for (; i0 < r1; i0++) {
        const uint8_t *row = w + (long)i0 * rowBytes;
        k->v[V](&row, nb, &xs[g], res);
        for (int v = 0; v < V; v++) out[(long)(v0 + v) * outStride + i0] = res[v];
      }
    }
  }
  free(scratch);
  return 0;
}
