/*
 * Products from a copy of the matrix with 16 rows interleaved (llm_interleaved.h's layout,
 * llm_interleave.c's copies; AVX-512 VNNI only): Q8_0, Q4_0, Q5_0, Q4_1, Q5_1 and IQ4_NL in blocks
 * of 32, Q2_K to Q6_K and IQ4_XS in super-blocks of 256.
 *
 * In the file's layout a row's 32 weights of a block are contiguous, so a 512-bit multiply-and-add
 * holds one row and its 16 lanes must be added up at the end, or 16 rows' blocks must be transposed
 * on the way in (llm_kernels.c's q8_0_strips: ~45 instructions a block). Copied once into strips of
 * 16 rows, lane i of every vector is row i: bytes 4g..4g+3 of each of the 16 rows' blocks side by
 * side, so a block's product for 16 rows is 8 vpdpbusd with x's bytes broadcast, no shuffles, no
 * lanes to add. One thread then reads a Q4_0 token's products at the memory's speed (1.45× the
 * file-layout kernels on a Zen 5 core) and several vectors share each load (8 vectors: 3.2× for
 * Q4_0, 1.3× for Q8_0). The K-quants likewise: Q4_K 1.5–2× with one vector, 4× with eight; Q6_K,
 * whose 6-bit values take more unpacking, 0.9–1× with one (1.6× from the caches), 3.5× with eight
 * (measured before its layout of three masked sub-blocks, see Q6_BYTES, took 0.66–0.91× the time).
 *
 * Each (row, vector) sum is taken in one order whatever the rows and vectors computed together:
 * block by block from 0, acc = fma(float(integer dot), dw·dx, acc), the integer dot exact — Q8_0's
 * order in llm_kernels.c's 512-bit kernels, so its products are theirs bit for bit (the K-quants':
 * see q4_5_k_block and q6_k_block).
 *
 * The types added later take the same steps with more unpacking: Q5_0 and Q5_K are Q4_0 and Q4_K
 * with a fifth bit put on each value's byte (two operations a vector, fifth_bits), Q4_1 and Q5_1
 * add their minimums' share a block (block_mins), IQ4_NL and IQ4_XS look their values up
 * (iq4_values), Q3_K and Q2_K take two bits of four values a byte (q3_k_block, q2_k_block). In C
 * on a Zen 4, one vector's products took 0.17-0.36x the file layout's time from the caches
 * (Q5_0 and Q5_K 0.29-0.58x), 0.57-0.79x from memory (Q5_0), eight vectors' 0.2-0.3x.
 */
#include "llm_fetch.h"
#include "llm_interleaved.h"
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * How far ahead of its loads a strip fetches (bytes). The types with blocks of 32 fetch each
 * block's vectors with one vector, each pair of blocks whole as they start it with several
 * (fetch_pair; the distances were chosen fetching blocks). One vector, read as four streams: Q4_0
 * 2 KiB ahead, Q8_0 1 KiB (in C, a stories110M-sized token of products on a Zen 5, two distances
 * taking turns in one process: Q4_0 4-5% faster at 2 KiB than at 1 on 1 and 2 threads, 3 and 4 KiB
 * slower; Q8_0 within 2% at 2 KiB, slower at 4). Several vectors: 8 KiB (1.3-1.5x what 1 KiB gave).
 * The K-quants, read as one stream, fetch a whole super-block (its scales with its values) as they
 * start one: Q4_K 8 KiB ahead, Q6_K 4 KiB, 0.94 and 0.91 of a plain four-stream read's bandwidth on
 * one thread (a Zen 5, one vector; now only several vectors fetch, see below). Fetching only each
 * group's values, 8 and 16 KiB ahead, left the scales' lines to the hardware: Q6_K ran at 0.6 of
 * the read (0.73-0.85x the time now), Q4_K at 0.87-0.92 (0.86-0.93x).
 * Q4_0's one vector has fetched 1 KiB ahead since the fetches went to L2: on a Zen 4, 0.80-0.82x
 * the time of 2 KiB in C on one thread (0.90-0.92x on two; 512 bytes alike), the JVM's decoding on
 * one thread 1.15-1.18x the tokens a second. The K-quants' one vector fetches nothing since Q6_K's
 * unpacking got cheaper: on that Zen 4 a plain one-stream read ran 24.6 GB/s without fetches and
 * 18-21 with them 4-8 KiB ahead, and one vector's products took 0.81-0.93x the time without them
 * (two threads 0.87-1.0x); several vectors still need them (1.1-1.9x the time without). Q5_K's and
 * Q3_K's one vector, whose values take more operations, fetch as several do: 0.50-0.85x and
 * 0.83-0.85x the time (Q4_K's likewise 0.89-1.20x, IQ4_XS's 1.10-1.28x, Q2_K's 1.02-1.18x, so
 * not those).
 */
#define AHEAD_Q4_0 1024
#define AHEAD_Q8_0 1024
#define AHEAD_MANY 8192
#define AHEAD_Q4_K 8192
#define AHEAD_Q6_K 4096

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")

ALWAYS_INLINE __m512i broadcast4(const int8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

/*
 * Fetches `lines` cache lines from `ahead` bytes past `at` (llm_fetch.h's level). Into L2 instead
 * of L1, in C on a Zen 4 (a stories110M-sized token of products from memory, the two taking turns
 * in one process): one vector 0.72-0.78x the time (Q8_0, Q4_K, Q6_K; Q4_0 0.81x), eight 0.57x
 * (Q8_0); the JVM's decoding on one thread 1.25-1.5x the tokens a second. The AHEAD_* distances
 * were chosen with L1 on a Zen 5; into L2 on the Zen 4, half and twice them were no faster but for
 * Q4_0's (see AHEAD_Q4_0).
 */
ALWAYS_INLINE void fetch(const uint8_t *at, int lines, long ahead) {
  for (int l = 0; l < lines; l++) fetch_line(at + ahead + 64 * l);
}

/*
 * Block b's share of a strip's fetching (blocks of 32) by several vectors: the whole pair, its
 * scales' line with its vectors, as the pair starts. Fetching each block's vectors alone left one
 * line in a pair's 17 (Q8_0; 9 for Q4_0) to the hardware's prefetcher, which here does not keep up:
 * at Q8_0's 8 vectors that line, often the scales', stalled every pair (in C, a stories110M-sized
 * token of products on a Zen 5, two ways taking turns in one process: 8 vectors 0.87-0.93x the
 * time, 4 vectors 0.69-0.75x; eight streams' steps in the JVM ~0.91x). One vector's four streams
 * keep fetching block by block: there the hardware keeps up, and fetching pairs was 0.94-0.95x the
 * time in C on 2 threads but ~1.03x in the JVM's decoding.
 */
ALWAYS_INLINE void fetch_pair(const uint8_t *strip, long pair, long b, long ahead) {
  if (b % 2 == 0) fetch(strip + scales_at(pair, b), (int)(pair / 64), ahead);
}

/* IQ4_NL's values of 64 indices, 128 more to be unsigned. */
ALWAYS_INLINE __m512i iq4_values(__m512i idx) {
  __m128i values = _mm_loadu_si128((const __m128i *)IQ4_VALUES);
  __m512i table = _mm512_broadcast_i32x4(_mm_xor_si128(values, _mm_set1_epi8((char)0x80)));
  return _mm512_shuffle_epi8(table, idx);
}

/* Adds 16 to the bytes of w[0..8) whose fifth bit the masks at m set (high_masks). */
ALWAYS_INLINE void fifth_bits(const uint8_t *m, __m512i *w) {
  const __m512i bit4 = _mm512_set1_epi8(0x10);
  __m512i h = _mm512_load_si512(m);
  w[0] = _mm512_ternarylogic_epi32(w[0], _mm512_slli_epi16(h, 4), bit4, 0xF8);
  w[1] = _mm512_ternarylogic_epi32(w[1], _mm512_slli_epi16(h, 3), bit4, 0xF8);
  w[2] = _mm512_ternarylogic_epi32(w[2], _mm512_slli_epi16(h, 2), bit4, 0xF8);
  w[3] = _mm512_ternarylogic_epi32(w[3], _mm512_slli_epi16(h, 1), bit4, 0xF8);
  w[4] = _mm512_ternarylogic_epi32(w[4], h, bit4, 0xF8);
  w[5] = _mm512_ternarylogic_epi32(w[5], _mm512_srli_epi16(h, 1), bit4, 0xF8);
  w[6] = _mm512_ternarylogic_epi32(w[6], _mm512_srli_epi16(h, 2), bit4, 0xF8);
  w[7] = _mm512_ternarylogic_epi32(w[7], _mm512_srli_epi16(h, 3), bit4, 0xF8);
}

/*
 * A block's weights for 16 rows (its vectors at wv) as 8 vectors of unsigned bytes: vector g pairs
 * with x's bytes 4g..4g+3. Q4_0's are its nibbles, 8 more than the weights; Q8_0's 128 more.
 */
ALWAYS_INLINE void block_weights(int type, const uint8_t *wv, __m512i *w) {
  if (type != T_Q8_0) {
    const __m512i nibble = _mm512_set1_epi8(0x0f);
    for (int g = 0; g < 4; g++) {
      __m512i packed = _mm512_load_si512(wv + 64 * g);
      w[g] = _mm512_and_si512(packed, nibble);
      w[4 + g] = _mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble);
    }
    if (type == T_IQ4_NL)
      for (int g = 0; g < 8; g++) w[g] = iq4_values(w[g]);
    if (vectors(type) == 5) fifth_bits(wv + 256, w);
  } else {
    for (int g = 0; g < 8; g++) w[g] = _mm512_load_si512(wv + 64 * g);
  }
}

/*
 * A block's 16 exact integer dots with x's block (bytes xb, each 4 broadcast; their sum xsum),
 * starting from the weights' bias's share. Two chains, for latency.
 */
ALWAYS_INLINE __m512i block_dot(int type, const __m512i *w, const __m512i *xb, int32_t xsum) {
  int bias = type == T_Q4_0 ? 8 : type == T_Q5_0 ? 16 : type == T_Q8_0 || type == T_IQ4_NL ? 128 : 0;
  __m512i a = _mm512_set1_epi32(-bias * xsum), c = _mm512_setzero_si512();
  for (int g = 0; g < 8; g += 2) {
    a = _mm512_dpbusd_epi32(a, w[g], xb[g]);
    c = _mm512_dpbusd_epi32(c, w[g + 1], xb[g + 1]);
  }
  return _mm512_add_epi32(a, c);
}

ALWAYS_INLINE __m512 block_scales(const uint8_t *strip, long pair, long b) {
  return _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(strip + scales_at(pair, b))));
}

/* acc after block b's minimums (Q4_1, Q5_1: m · dx · x's sum), taken after its scaled dot. */
ALWAYS_INLINE __m512 block_mins(int type, const uint8_t *strip, long pair, long b, float dx,
                                int32_t xsum, __m512 acc) {
  if (!with_min(type)) return acc;
  __m512 m = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(strip + scales_at(pair, b) + 64)));
  return _mm512_fmadd_ps(m, _mm512_set1_ps(dx * (float)xsum), acc);
}

/* The quantized activations of up to 8 vectors. */
typedef struct {
  const int8_t *q[8];
  const float *d[8];
  const int32_t *s[8];
} xs_t;

/*
 * Streams shorter than this (bytes each) still fetch on a Zen 5: the hardware's prefetcher takes a
 * while to find a stream, and a thread's share of a small product ends before it has. Products
 * split in two halves on two threads, Q4_0 without the fetches against with them: 768 rows of 768
 * (41 KB a stream) 1.20x the time, 1,024 rows (55 KB) 1.22x, 2,048 (110 KB) 1.01x, 4,096 (220 KB)
 * 0.91x, 32,000 0.93x; Q8_0 768 rows (78 KB) 0.89x; on one thread Q4_0 768 rows (82 KB) 0.99x.
 */
#define SHORT_STREAM (64 * 1024)

/*
 * Whether four_strips fetches ahead for `type`, each of its streams `stream` bytes long: not on a
 * Zen 5, but for Q5_0, whose values take more operations, and short streams. There, in C, one
 * vector's products from memory took 0.84-0.94x the time without the fetches (Q4_0, Q8_0, IQ4_NL;
 * Q4_1 0.92x, Q5_1 0.96x, Q5_0 1.065x; stories110M-sized matrices, 170 MB in all, the two builds
 * taking turns in one process), 0.87-0.91x on two threads, and 0.75-0.83x from the caches (7 MB).
 * On a Zen 4 they paid (see AHEAD_Q4_0).
 */
ALWAYS_INLINE int four_strips_fetch(int type, long stream) {
  return type == T_Q5_0 || wg_amd_family() < 0x1a || stream < SHORT_STREAM;
}

/* Strips k = 0..3 (four streams read side by side) by one vector, into acc[k]; fetching `ahead`
 * bytes past each block's vectors, or nothing where it is 0 (a constant, each case a loop of its
 * own: a distance read at run time made Q5_0's products 1.11x slower). */
ALWAYS_INLINE void four_strips(int type, const uint8_t *const *strip, int nb, const xs_t *x,
                               long ahead, __m512 *acc) {
  long pair = pair_bytes(type);
  for (int k = 0; k < 4; k++) acc[k] = _mm512_setzero_ps();
  for (long b = 0; b < nb; b++) {
    __m512i xb[8];
    for (int g = 0; g < 8; g++) xb[g] = broadcast4(x->q[0] + 32 * b + 4 * g);
    __m512 dx = _mm512_set1_ps(x->d[0][b]);
    _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) {
      const uint8_t *wv = strip[k] + vectors_at(pair, type, b);
      if (ahead) fetch(wv, vectors(type), ahead);
      __m512i w[8];
      block_weights(type, wv, w);
      __m512i dot = block_dot(type, w, xb, x->s[0][b]);
      __m512 scale = _mm512_mul_ps(block_scales(strip[k], pair, b), dx);
      acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[k]);
      acc[k] = block_mins(type, strip[k], pair, b, x->d[0][b], x->s[0][b], acc[k]);
    }
  }
}

/* four_strips with its distance a constant in each case, `fetching` or not (four_strips_fetch). */
ALWAYS_INLINE void four_strips_of(int type, int fetching, const uint8_t *const *strip, int nb,
                                  const xs_t *x, __m512 *acc) {
  if (fetching) four_strips(type, strip, nb, x, type == T_Q8_0 ? AHEAD_Q8_0 : AHEAD_Q4_0, acc);
  else four_strips(type, strip, nb, x, 0, acc);
}

/* One strip by V vectors (at most 8), into acc[v]. */
ALWAYS_INLINE void one_strip(int type, const uint8_t *strip, int nb, const xs_t *x, int V,
                             __m512 *acc) {
  long pair = pair_bytes(type);
  for (int v = 0; v < V; v++) acc[v] = _mm512_setzero_ps();
  for (long b = 0; b < nb; b++) {
    const uint8_t *wv = strip + vectors_at(pair, type, b);
    fetch_pair(strip, pair, b, AHEAD_MANY);
    __m512i w[8];
    block_weights(type, wv, w);
    __m512 dw = block_scales(strip, pair, b);
    _Pragma("GCC unroll 8") for (int v = 0; v < V; v++) {
      __m512i xb[8];
      for (int g = 0; g < 8; g++) xb[g] = broadcast4(x->q[v] + 32 * b + 4 * g);
      __m512i dot = block_dot(type, w, xb, x->s[v][b]);
      __m512 scale = _mm512_mul_ps(dw, _mm512_set1_ps(x->d[v][b]));
      acc[v] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[v]);
      acc[v] = block_mins(type, strip, pair, b, x->d[v][b], x->s[v][b], acc[v]);
    }
  }
}

/*
 * Super-block b of a strip (sb, K_BYTES) by V vectors quantized per 256 (at most 8), into acc[v]:
 * per pair of sub-blocks the 16 rows' exact integer dots, times their scales, summed as integers
 * over the super-block; then acc = fma(sum, d·dx, acc), and acc = acc − (minimums · x's sums of the
 * sub-blocks)·dmin·dx.
 */
ALWAYS_INLINE void q4_5_k_block(int type, const uint8_t *sb, const xs_t *x, int V, long b,
                                __m512 *acc) {
  /*
   * One vector leaves the high nibbles where they are, 16 times their values, and takes the low
   * ones' scales 16 times to match: the super-block's sum, a multiple of 16 below 2^29 (4 pairs of
   * 2 · 32 · 240 · 128 · 63), is shifted back exactly at its end — a shift a pair instead of one a
   * vector: 0.94-0.99x the time in C. Several vectors share the unpacking, and three ran 1.1x
   * slower that way, so they shift each vector down.
   */
  const int in_place = V == 1 && type == T_Q4_K;
  const __m512i nibble = _mm512_set1_epi8(0x0f), high = _mm512_set1_epi8((char)0xf0);
  __m512i isum[8];
  for (int v = 0; v < V; v++) isum[v] = _mm512_setzero_si512();
  for (int p = 0; p < 4; p++) {
    const uint8_t *wv = sb + K_QUANTS + k_pair_bytes(type) * p;
    __m512i lo[8], hi[8];
    for (int g = 0; g < 8; g++) {
      __m512i packed = _mm512_load_si512(wv + 64 * g);
      lo[g] = _mm512_and_si512(packed, nibble);
      hi[g] = in_place ? _mm512_and_si512(packed, high)
                       : _mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble);
    }
    if (type == T_Q5_K) {
      fifth_bits(wv + 512, lo);
      fifth_bits(wv + 576, hi);
    }
    __m512i scLo = _mm512_cvtepu8_epi32(_mm_load_si128((const __m128i *)(sb + K_SCALES + 32 * p)));
    if (in_place) scLo = _mm512_slli_epi32(scLo, 4);
    __m512i scHi = _mm512_cvtepu8_epi32(_mm_load_si128((const __m128i *)(sb + K_SCALES + 32 * p + 16)));
    _Pragma("GCC unroll 8") for (int v = 0; v < V; v++) {
      const int8_t *xp = x->q[v] + 256 * b + 64 * p;
      __m512i a = _mm512_setzero_si512(), c = _mm512_setzero_si512();
      for (int g = 0; g < 8; g++) {
        a = _mm512_dpbusd_epi32(a, lo[g], broadcast4(xp + 4 * g));
        c = _mm512_dpbusd_epi32(c, hi[g], broadcast4(xp + 32 + 4 * g));
      }
      __m512i scaled = _mm512_add_epi32(_mm512_mullo_epi32(a, scLo), _mm512_mullo_epi32(c, scHi));
      isum[v] = _mm512_add_epi32(isum[v], scaled);
    }
  }
  __m512 d = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)sb));
  __m512 dmin = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(sb + 32)));
  __m512i mins[8];
  for (int j = 0; j < 8; j++)
    mins[j] = _mm512_cvtepu8_epi32(_mm_load_si128((const __m128i *)(sb + K_MINS + 16 * j)));
  _Pragma("GCC unroll 8") for (int v = 0; v < V; v++) {
    __m512i msum = _mm512_setzero_si512();
    for (int j = 0; j < 8; j++)
      msum = _mm512_add_epi32(msum, _mm512_mullo_epi32(mins[j], _mm512_set1_epi32(x->s[v][8 * b + j])));
    __m512 dx = _mm512_set1_ps(x->d[v][b]);
    __m512i whole = in_place ? _mm512_srai_epi32(isum[v], 4) : isum[v];
    __m512 sum = _mm512_fmadd_ps(_mm512_cvtepi32_ps(whole), _mm512_mul_ps(d, dx), acc[v]);
    acc[v] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(msum), _mm512_mul_ps(dmin, dx), sum);
  }
}

/* Super-block b's integer sums of V vectors into their accumulators: acc[v] += isum[v] · d · dx,
 * d the rows' f16 scales at the super-block's start (sb). */
ALWAYS_INLINE void scaled_into(const uint8_t *sb, const xs_t *x, int V, long b,
                               const __m512i *isum, __m512 *acc) {
  __m512 d = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)sb));
  _Pragma("GCC unroll 8") for (int v = 0; v < V; v++) {
    __m512 scale = _mm512_mul_ps(d, _mm512_set1_ps(x->d[v][b]));
    acc[v] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[v]), scale, acc[v]);
  }
}

/*
 * The same for Q6_K (x's sums per 16 values in s16[v]): per group of 64 values the 16 rows' exact
 * integer dots of its four sub-blocks, each from −32 · x's sum (the weights went in plus 32), times
 * their scales, summed as integers over the super-block; then acc = fma(sum, d·dx, acc).
 */
ALWAYS_INLINE void q6_k_block(const uint8_t *sb, const xs_t *x, const int32_t *const *s16, int V,
                              long b, __m512 *acc) {
  const __m512i low6 = _mm512_set1_epi8(0x3f), bits01 = _mm512_set1_epi8(0x03);
  const __m512i bits23 = _mm512_set1_epi8(0x0c), bits45 = _mm512_set1_epi8(0x30);
  __m512i isum[8];
  for (int v = 0; v < V; v++) isum[v] = _mm512_setzero_si512();
  for (int q = 0; q < 4; q++) {
    const uint8_t *group = sb + Q6_QUANTS + 768 * q;
    /* Sub-block by sub-block, so that its 4 vectors are all the registers the weights take. */
    for (int j = 0; j < 4; j++) {
      __m512i w[4];
      for (int g = 0; g < 4; g++) {
        if (j < 3) {
          w[g] = _mm512_and_si512(_mm512_load_si512(group + 256 * j + 64 * g), low6);
          continue;
        }
        /* Each vector's top two bits moved down to where they go (shifts by 16 bits, so the
         * masks keep only the bits that came from the same byte), then merged: 0xCA is a ? b : c. */
        __m512i b01 = _mm512_srli_epi16(_mm512_load_si512(group + 64 * g), 6);
        __m512i b23 = _mm512_srli_epi16(_mm512_load_si512(group + 256 + 64 * g), 4);
        __m512i b45 = _mm512_srli_epi16(_mm512_load_si512(group + 512 + 64 * g), 2);
        b45 = _mm512_and_si512(b45, bits45);
        __m512i b2345 = _mm512_ternarylogic_epi32(bits23, b23, b45, 0xCA);
        w[g] = _mm512_ternarylogic_epi32(bits01, b01, b2345, 0xCA);
      }
      __m512i sc = _mm512_cvtepi8_epi32(_mm_load_si128((const __m128i *)(sb + Q6_SCALES + 16 * (4 * q + j))));
      _Pragma("GCC unroll 8") for (int v = 0; v < V; v++) {
        const int8_t *xq = x->q[v] + 256 * b + 64 * q + 16 * j;
        __m512i dot = _mm512_set1_epi32(-32 * s16[v][16 * b + 4 * q + j]);
        for (int g = 0; g < 4; g++) dot = _mm512_dpbusd_epi32(dot, w[g], broadcast4(xq + 4 * g));
        isum[v] = _mm512_add_epi32(isum[v], _mm512_mullo_epi32(dot, sc));
      }
    }
  }
  scaled_into(sb, x, V, b, isum, acc);
}

/*
 * IQ4_XS's super-block b of a strip (sb, XS_BYTES) by V vectors quantized per 256: per pair of
 * sub-blocks the 16 rows' exact integer dots of their values (128 more, unsigned, so each dot
 * starts from −128 · x's sum of its sub-block) times their scales, summed as integers over the
 * super-block; then acc = fma(sum, d·dx, acc).
 */
ALWAYS_INLINE void iq4_xs_block(const uint8_t *sb, const xs_t *x, int V, long b, __m512 *acc) {
  const __m512i nibble = _mm512_set1_epi8(0x0f);
  __m512i isum[8];
  for (int v = 0; v < V; v++) isum[v] = _mm512_setzero_si512();
  for (int p = 0; p < 4; p++) {
    const uint8_t *wv = sb + XS_QUANTS + 512 * p;
    __m512i lo[8], hi[8];
    for (int g = 0; g < 8; g++) {
      __m512i packed = _mm512_load_si512(wv + 64 * g);
      lo[g] = iq4_values(_mm512_and_si512(packed, nibble));
      hi[g] = iq4_values(_mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble));
    }
    __m512i scLo = _mm512_cvtepi8_epi32(_mm_load_si128((const __m128i *)(sb + XS_SCALES + 32 * p)));
    __m512i scHi = _mm512_cvtepi8_epi32(_mm_load_si128((const __m128i *)(sb + XS_SCALES + 32 * p + 16)));
    _Pragma("GCC unroll 8") for (int v = 0; v < V; v++) {
      const int8_t *xp = x->q[v] + 256 * b + 64 * p;
      __m512i a = _mm512_set1_epi32(-128 * x->s[v][8 * b + 2 * p]);
      __m512i c = _mm512_set1_epi32(-128 * x->s[v][8 * b + 2 * p + 1]);
      for (int g = 0; g < 8; g++) {
        a = _mm512_dpbusd_epi32(a, lo[g], broadcast4(xp + 4 * g));
        c = _mm512_dpbusd_epi32(c, hi[g], broadcast4(xp + 32 + 4 * g));
      }
      isum[v] = _mm512_add_epi32(isum[v], _mm512_add_epi32(_mm512_mullo_epi32(a, scLo), _mm512_mullo_epi32(c, scHi)));
    }
  }
  scaled_into(sb, x, V, b, isum, acc);
}

/*
 * Q3_K's super-block b of a strip (sb, Q3_BYTES) by V vectors (x's sums per 16 values in s16[v]):
 * per sub-block of 16 the rows' exact integer dots, each from −4 · x's sum (the weights went in
 * plus 4), times their scales, summed as integers over the super-block; then acc = fma(sum, d·dx,
 * acc).
 */
ALWAYS_INLINE void q3_k_block(const uint8_t *sb, const xs_t *x, const int32_t *const *s16, int V,
                              long b, __m512 *acc) {
  const __m512i low2 = _mm512_set1_epi8(0x03), bit2 = _mm512_set1_epi8(0x04);
  __m512i isum[8];
  for (int v = 0; v < V; v++) isum[v] = _mm512_setzero_si512();
  for (int q = 0; q < 4; q++) {
    const uint8_t *group = sb + Q3_QUANTS + 384 * q;
    __m512i lo[4], hi[2];
    for (int g = 0; g < 4; g++) lo[g] = _mm512_load_si512(group + 64 * g);
    for (int h = 0; h < 2; h++) hi[h] = _mm512_load_si512(group + 256 + 64 * h);
    _Pragma("GCC unroll 4") for (int j = 0; j < 4; j++) {
      __m512i w[4];
      _Pragma("GCC unroll 4") for (int g = 0; g < 4; g++) {
        /* The top bit, bit j + 4·(g % 2), moved to bit 2 (shifts by 16 bits: the mask keeps the
         * bit that came from the same byte); 0xCA is a ? b : c. */
        int top = j + 4 * (g % 2);
        __m512i t = top < 2 ? _mm512_slli_epi16(hi[g / 2], 2 - top) : _mm512_srli_epi16(hi[g / 2], top - 2);
        w[g] = _mm512_ternarylogic_epi32(low2, _mm512_srli_epi16(lo[g], 2 * j),
                                         _mm512_and_si512(t, bit2), 0xCA);
      }
      __m512i sc = _mm512_cvtepi8_epi32(_mm_load_si128((const __m128i *)(sb + Q3_SCALES + 16 * (4 * q + j))));
      _Pragma("GCC unroll 8") for (int v = 0; v < V; v++) {
        const int8_t *xq = x->q[v] + 256 * b + 64 * q + 16 * j;
        __m512i dot = _mm512_set1_epi32(-4 * s16[v][16 * b + 4 * q + j]);
        for (int g = 0; g < 4; g++) dot = _mm512_dpbusd_epi32(dot, w[g], broadcast4(xq + 4 * g));
        isum[v] = _mm512_add_epi32(isum[v], _mm512_mullo_epi32(dot, sc));
      }
    }
  }
  scaled_into(sb, x, V, b, isum, acc);
}

/*
 * Q2_K's super-block b of a strip (sb, Q2_BYTES) by V vectors (x's sums per 16 values in s16[v]):
 * per sub-block of 16 the rows' exact integer dots of the 2-bit values times their scales, and
 * their minimums times x's sums, summed as integers over the super-block; then acc = fma(sum,
 * d·dx, acc) and acc −= msum·dmin·dx.
 */
ALWAYS_INLINE void q2_k_block(const uint8_t *sb, const xs_t *x, const int32_t *const *s16, int V,
                              long b, __m512 *acc) {
  const __m512i low2 = _mm512_set1_epi8(0x03), nibble = _mm512_set1_epi32(0x0f);
  __m512i isum[8], msum[8];
  for (int v = 0; v < V; v++) isum[v] = msum[v] = _mm512_setzero_si512();
  for (int q = 0; q < 4; q++) {
    const uint8_t *group = sb + Q2_QUANTS + 256 * q;
    __m512i lo[4];
    for (int g = 0; g < 4; g++) lo[g] = _mm512_load_si512(group + 64 * g);
    _Pragma("GCC unroll 4") for (int j = 0; j < 4; j++) {
      __m512i w[4];
      for (int g = 0; g < 4; g++) w[g] = _mm512_and_si512(_mm512_srli_epi16(lo[g], 2 * j), low2);
      __m512i both = _mm512_cvtepu8_epi32(_mm_load_si128((const __m128i *)(sb + Q2_SCALES + 16 * (4 * q + j))));
      __m512i sc = _mm512_and_si512(both, nibble), mn = _mm512_srli_epi32(both, 4);
      _Pragma("GCC unroll 8") for (int v = 0; v < V; v++) {
        const int8_t *xq = x->q[v] + 256 * b + 64 * q + 16 * j;
        __m512i dot = _mm512_setzero_si512();
        for (int g = 0; g < 4; g++) dot = _mm512_dpbusd_epi32(dot, w[g], broadcast4(xq + 4 * g));
        isum[v] = _mm512_add_epi32(isum[v], _mm512_mullo_epi32(dot, sc));
        msum[v] = _mm512_add_epi32(msum[v], _mm512_mullo_epi32(mn, _mm512_set1_epi32(s16[v][16 * b + 4 * q + j])));
      }
    }
  }
  __m512 d = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)sb));
  __m512 dmin = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(sb + 32)));
  _Pragma("GCC unroll 8") for (int v = 0; v < V; v++) {
    __m512 dx = _mm512_set1_ps(x->d[v][b]);
    __m512 sum = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[v]), _mm512_mul_ps(d, dx), acc[v]);
    acc[v] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(msum[v]), _mm512_mul_ps(dmin, dx), sum);
  }
}

/* A K-quant strip by V vectors (at most 8), into acc[v]. */
ALWAYS_INLINE void k_strip(int type, const uint8_t *strip, int nb, const xs_t *x,
                           const int32_t *const *s16, int V, __m512 *acc) {
  for (int v = 0; v < V; v++) acc[v] = _mm512_setzero_ps();
  for (long b = 0; b < nb; b++) {
    const uint8_t *sb = strip + b * superblock_bytes(type);
    /* One vector's Q2_K, Q4_K, Q6_K and IQ4_XS products stream faster on the hardware's prefetcher
     * alone (AHEAD_Q4_K). */
    if (V > 1 || type == T_Q5_K || type == T_Q3_K)
      fetch(sb, (int)(superblock_bytes(type) / 64), type == T_Q6_K ? AHEAD_Q6_K : AHEAD_Q4_K);
    if (type == T_Q4_K || type == T_Q5_K) q4_5_k_block(type, sb, x, V, b, acc);
    else if (type == T_IQ4_XS) iq4_xs_block(sb, x, V, b, acc);
    else if (type == T_Q3_K) q3_k_block(sb, x, s16, V, b, acc);
    else if (type == T_Q2_K) q2_k_block(sb, x, s16, V, b, acc);
    else q6_k_block(sb, x, s16, V, b, acc);
  }
}

#define ONE_STRIP(T, V) \
  case V: one_strip(T, strip, nb, &x, V, acc); break;
#define ONE_STRIP_ALL(T)                                                                 \
  switch (V) {                                                                           \
    ONE_STRIP(T, 1) ONE_STRIP(T, 2) ONE_STRIP(T, 3) ONE_STRIP(T, 4) ONE_STRIP(T, 5)      \
    ONE_STRIP(T, 6) ONE_STRIP(T, 7) default: ONE_STRIP(T, 8)                             \
  }

#define K_STRIP(T, V) \
  case V: k_strip(T, strip, nb, &x, sx, V, acc); break;
#define K_STRIP_ALL(T)                                                                   \
  switch (V) {                                                                           \
    K_STRIP(T, 1) K_STRIP(T, 2) K_STRIP(T, 3) K_STRIP(T, 4) K_STRIP(T, 5) K_STRIP(T, 6)  \
    K_STRIP(T, 7) default: K_STRIP(T, 8)                                                 \
  }

/* For Q6_K, Q3_K and Q2_K, each vector's sums of its 16-value sub-blocks (s16[v] in sums), from its bytes. */
static int sums_of_16(int type, const int8_t *xq, int n, int cols, int32_t **sums, int32_t ***s16) {
  *sums = 0;
  *s16 = 0;
  if (type != T_Q6_K && type != T_Q3_K && type != T_Q2_K) return 0;
  *sums = malloc(sizeof(int32_t) * (size_t)n * (cols / 16));
  *s16 = malloc(sizeof(int32_t *) * (size_t)n);
  if (!*sums || !*s16) return -1;
  for (int v = 0; v < n; v++) {
    (*s16)[v] = *sums + (long)v * (cols / 16);
    for (int j = 0; j < cols / 16; j++) {
      int32_t t = 0;
      for (int i = 0; i < 16; i++) t += xq[(long)v * cols + 16 * j + i];
      (*s16)[v][j] = t;
    }
  }
  return 0;
}

#ifndef WG_FETCH_L1
int wg_rows_interleaved_l1(int type, const uint8_t *p, int from, int to, int cols,
                           const int8_t *xq, const float *xd, const int32_t *xsum, int n,
                           float *out, long outStride);

/*
 * Whether a product of `type` goes to this file's build that fetches into L1: on a Zen 5, but for
 * Q3_K's. There, in C (stories110M-sized matrices from memory, 110-170 MB in all, the two builds
 * taking turns in one process), L1 against L2 took one vector's products 0.88x the time for Q5_0
 * and Q5_K (0.82x and 0.88x on two threads), eight vectors' 0.85x for Q4_K and 0.88x for Q6_K,
 * 0.99-1.03x for Q4_0, Q5_0 and Q8_0; Q3_K's one vector 1.08x. Q4_0's and Q8_0's one vector
 * fetch nothing there (four_strips_fetch).
 */
ALWAYS_INLINE int fetch_l1(int type) {
  return type != T_Q3_K && wg_amd_family() >= 0x1a;
}
#endif

/*
 * Rows [from, to) of an interleaved matrix of `type` (wg_interleave's copy at p, cols weights a
 * row) times n vectors quantized by wg_quantize in blocks of 32 (256 for the K-quants):
 * out[v·outStride + r]. One vector takes Q8_0's and Q4_0's whole strips of the range four at a
 * time from its four quarters, four streams read side by side (one stream read a Q4_0 token's
 * products at 0.7–0.9 of the speed); otherwise each strip goes with up to 8 vectors at once. Only
 * rows of the range are written.
 * Returns 0; -1 where there was no memory for Q6_K's sums of x (nothing is written then).
 */
int wg_rows_interleaved(int type, const uint8_t *p, int from, int to, int cols, const int8_t *xq,
                        const float *xd, const int32_t *xsum, int n, float *out, long outStride) {
#ifndef WG_FETCH_L1
  if (fetch_l1(type))
    return wg_rows_interleaved_l1(type, p, from, to, cols, xq, xd, xsum, n, out, outStride);
#endif
  long sbBytes = superblock_bytes(type);
  int nb = cols / (sbBytes ? 256 : 32);
  long strip_size = sbBytes ? nb * sbBytes : strip_bytes(type, nb);
  int32_t *sums, **s16;
  if (sums_of_16(type, xq, n, cols, &sums, &s16)) {
    free(sums);
    free(s16);
    return -1;
  }
  int first = from / ROWS;
  if (n == 1 && from % ROWS == 0 && !sbBytes) {
    xs_t x = {{xq}, {xd}, {xsum}};
    int part = (to / ROWS - first) / 4;
    int fetching = four_strips_fetch(type, part * strip_size);
    for (int s = first; s < first + part; s++) {
      const uint8_t *strips[4];
      for (int k = 0; k < 4; k++) strips[k] = p + (s + k * part) * strip_size;
      __m512 acc[4];
      if (type == T_Q4_0) four_strips_of(T_Q4_0, fetching, strips, nb, &x, acc);
      else if (type == T_Q5_0) four_strips_of(T_Q5_0, fetching, strips, nb, &x, acc);
      else if (type == T_Q4_1) four_strips_of(T_Q4_1, fetching, strips, nb, &x, acc);
      else if (type == T_Q5_1) four_strips_of(T_Q5_1, fetching, strips, nb, &x, acc);
      else if (type == T_IQ4_NL) four_strips_of(T_IQ4_NL, fetching, strips, nb, &x, acc);
      else four_strips_of(T_Q8_0, fetching, strips, nb, &x, acc);
      for (int k = 0; k < 4; k++) _mm512_storeu_ps(out + (long)ROWS * (s + k * part), acc[k]);
    }
    first += 4 * part;
  }
  for (int s = first; s * ROWS < to; s++) {
    const uint8_t *strip = p + s * strip_size;
    int lo = from > ROWS * s ? from - ROWS * s : 0, hi = to < ROWS * s + ROWS ? to - ROWS * s : ROWS;
    __mmask16 rows = (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1));
    for (int v0 = 0; v0 < n; v0 += 8) {
      int V = n - v0 < 8 ? n - v0 : 8;
      xs_t x;
      for (int v = 0; v < V; v++) {
        x.q[v] = xq + (long)(v0 + v) * cols;
        x.d[v] = xd + (long)(v0 + v) * nb;
        x.s[v] = xsum + (long)(v0 + v) * (cols / 32);
      }
      const int32_t *const *sx = s16 ? (const int32_t *const *)s16 + v0 : 0;
      __m512 acc[8];
      if (type == T_Q4_0) {
        ONE_STRIP_ALL(T_Q4_0)
      } else if (type == T_Q5_0) {
        ONE_STRIP_ALL(T_Q5_0)
      } else if (type == T_Q4_1) {
        ONE_STRIP_ALL(T_Q4_1)
      } else if (type == T_Q5_1) {
        ONE_STRIP_ALL(T_Q5_1)
      } else if (type == T_IQ4_NL) {
        ONE_STRIP_ALL(T_IQ4_NL)
      } else if (type == T_Q8_0) {
        ONE_STRIP_ALL(T_Q8_0)
      } else if (type == T_Q4_K) {
        K_STRIP_ALL(T_Q4_K)
      } else if (type == T_Q5_K) {
        K_STRIP_ALL(T_Q5_K)
      } else if (type == T_IQ4_XS) {
        K_STRIP_ALL(T_IQ4_XS)
      } else if (type == T_Q3_K) {
        K_STRIP_ALL(T_Q3_K)
      } else if (type == T_Q2_K) {
        K_STRIP_ALL(T_Q2_K)
      } else {
        K_STRIP_ALL(T_Q6_K)
      }
      for (int v = 0; v < V; v++)
        _mm512_mask_storeu_ps(out + (v0 + v) * outStride + (long)ROWS * s, rows, acc[v]);
    }
  }
  free(sums);
  free(s16);
  return 0;
}

#pragma GCC pop_options
