/*
 * Q8_0, Q4_0, Q4_K and Q6_K products from a copy of the matrix with 16 rows interleaved (AVX-512
 * VNNI only).
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
 * A strip holds its blocks in pairs: the pair's 32 f16 scales (16 rows of the first block, then of
 * the second), then the first block's vectors, then the second's: 4 of 64 bytes for Q4_0 (byte k
 * of lane i: the row's packed nibbles 4g + k, low nibble value 4g + k, high 16 + 4g + k), 8 for Q8_0
 * (its signed bytes plus 128). Every pair starts on a cache line. Rows past the matrix's last are
 * zero weights.
 *
 * Each (row, vector) sum is taken in one order whatever the rows and vectors computed together:
 * block by block from 0, acc = fma(float(integer dot), dw·dx, acc), the integer dot exact — Q8_0's
 * order in llm_kernels.c's 512-bit kernels, so its products are theirs bit for bit (the K-quants':
 * see q4_k_block and q6_k_block).
 */
#include "llm_fetch.h"
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { T_Q4_0 = 2, T_Q8_0 = 8, T_Q4_K = 12, T_Q6_K = 14 };

int wg_isa(void);

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define ROWS 16
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
 * (two threads 0.87-1.0x); several vectors still need them (1.1-1.9x the time without).
 */
#define AHEAD_Q4_0 1024
#define AHEAD_Q8_0 1024
#define AHEAD_MANY 8192
#define AHEAD_Q4_K 8192
#define AHEAD_Q6_K 4096

/* Vectors of 64 bytes per block: a lane's 4 bytes each. */
static int vectors(int type) {
  return type == T_Q4_0 ? 4 : 8;
}

static long pair_bytes(int type) {
  return 64 + 2 * 64L * vectors(type);
}

static long strip_bytes(int type, int nb) {
  return (nb + 1) / 2 * pair_bytes(type);
}

/* Where block b's scales, and its vectors, start in a strip. */
ALWAYS_INLINE long scales_at(long pair, long b) {
  return b / 2 * pair + 32 * (b % 2);
}

ALWAYS_INLINE long vectors_at(long pair, int type, long b) {
  return b / 2 * pair + 64 + (b % 2) * 64L * vectors(type);
}

/*
 * Q4_K: a strip's super-blocks one after another, each K_BYTES: the 16 rows' f16 d then dmin (a
 * cache line), the 8 sub-blocks' 6-bit scales unpacked to bytes (16 a sub-block, lane i row i),
 * their minimums likewise, then for each pair of sub-blocks 8 vectors of 64 bytes: byte k of lane i
 * the row's packed byte 4g + k of the pair, its low nibble a value of the pair's first sub-block,
 * its high nibble of the second.
 */
#define K_SCALES 64
#define K_MINS (K_SCALES + 128)
#define K_QUANTS (K_MINS + 128)
#define K_BYTES (K_QUANTS + 4 * 512)

/*
 * Q6_K: a strip's super-blocks one after another, each Q6_BYTES: the 16 rows' f16 d (half a cache
 * line, then padding), the 16 sub-blocks' int8 scales (16 a sub-block, lane i row i), then for each
 * group of 64 values 12 vectors of the values as unsigned 6 bits (the weights plus 32): byte k of
 * lane i in vector 4j + g (j < 3) holds value 16j + 4g + k in its low 6 bits and, in its top two,
 * two bits of value 48 + 4g + k (its bits 0-1 in vector g, 2-3 in 4 + g, 4-5 in 8 + g). So the
 * first three sub-blocks of a group are a mask each, the fourth three shifts, a mask and two
 * bit-selects (q6_k_block); the low nibbles and top bits stored apart took about 1.3x the vector
 * operations and 2.7x the loads.
 */
#define Q6_SCALES 64
#define Q6_QUANTS (Q6_SCALES + 256)
#define Q6_BYTES (Q6_QUANTS + 4 * 768)

/* A super-block's bytes in a strip, for the types with super-blocks of 256; else 0. */
static long superblock_bytes(int type) {
  return type == T_Q4_K ? K_BYTES : type == T_Q6_K ? Q6_BYTES : 0;
}

static long matrix_bytes(int type, int rows, int cols) {
  long strips = (rows + ROWS - 1) / ROWS;
  long sb = superblock_bytes(type);
  return sb ? strips * (cols / 256) * sb : strips * strip_bytes(type, cols / 32);
}

/*
 * Bytes of the interleaved copy of a rows × cols matrix of `type` (a 64-byte aligned buffer of
 * that size for wg_interleave); 0 where there is none: another type, a CPU without AVX-512 VNNI
 * (wg_isa), or WASMGRID_LLM_INTERLEAVE=off in the environment (the file layout's kernels then, and
 * no copies: their memory, and the time to make them before the first token, saved).
 */
long wg_interleaved_bytes(int type, int rows, int cols) {
  int block = superblock_bytes(type) ? 256 : 32;
  const char *want = getenv("WASMGRID_LLM_INTERLEAVE");
  if ((type != T_Q4_0 && type != T_Q8_0 && !superblock_bytes(type)) || wg_isa() != 512 ||
      (want && strcmp(want, "off") == 0) || rows <= 0 || cols <= 0 || cols % block)
    return 0;
  return matrix_bytes(type, rows, cols);
}

/* Sub-block j's 6-bit scale and minimum from a Q4_K super-block's 12 packed bytes (llama.cpp's
 * layout: 0-3 keep theirs in bytes 0-7's low 6 bits, 4-7 in bytes 8-11's nibbles and the spare top
 * bits of 0-7). */
static void k_scale_min(const uint8_t *q, int j, uint8_t *scale, uint8_t *min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = (uint8_t)((q[j + 4] & 0x0f) | (q[j - 4] >> 6) << 4);
    *min = (uint8_t)((q[j + 4] >> 4) | (q[j] >> 6) << 4);
  }
}

static void interleave_q4_k(const uint8_t *w, long rowBytes, int rows, int cols, uint8_t *dst) {
  int nb = cols / 256;
  long strip = (long)nb * K_BYTES;
  memset(dst, 0, (size_t)matrix_bytes(T_Q4_K, rows, cols));
  for (long r = 0; r < rows; r++) {
    int lane = (int)(r % ROWS);
    for (long b = 0; b < nb; b++) {
      uint8_t *sb = dst + r / ROWS * strip + b * K_BYTES;
      const uint8_t *blk = w + r * rowBytes + b * 144;
      memcpy(sb + 2 * lane, blk, 2);
      memcpy(sb + 32 + 2 * lane, blk + 2, 2);
      for (int j = 0; j < 8; j++)
        k_scale_min(blk + 4, j, sb + K_SCALES + 16 * j + lane, sb + K_MINS + 16 * j + lane);
      for (int g = 0; g < 32; g++) memcpy(sb + K_QUANTS + 64 * g + 4 * lane, blk + 16 + 4 * g, 4);
    }
  }
}

/* A Q6_K block's 256 values as unsigned 6 bits (llama.cpp's layout: per half of 128, ql's low
 * nibbles then high nibbles, each with two bits of qh). */
static void q6_k_values(const uint8_t *blk, uint8_t *u) {
  for (int h = 0; h < 2; h++) {
    const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
    for (int l = 0; l < 32; l++) {
      u[128 * h + l] = (uint8_t)((ql[l] & 15) | (qh[l] & 3) << 4);
      u[128 * h + l + 32] = (uint8_t)((ql[l + 32] & 15) | (qh[l] >> 2 & 3) << 4);
      u[128 * h + l + 64] = (uint8_t)((ql[l] >> 4) | (qh[l] >> 4 & 3) << 4);
      u[128 * h + l + 96] = (uint8_t)((ql[l + 32] >> 4) | (qh[l] >> 6 & 3) << 4);
    }
  }
}

static void interleave_q6_k(const uint8_t *w, long rowBytes, int rows, int cols, uint8_t *dst) {
  int nb = cols / 256;
  long strip = (long)nb * Q6_BYTES;
  /* Rows past the last: values 32, the weights 0. */
  memset(dst, 0, (size_t)matrix_bytes(T_Q6_K, rows, cols));
  for (long r = 0; r < (rows + ROWS - 1) / ROWS * ROWS; r++) {
    int lane = (int)(r % ROWS);
    for (long b = 0; b < nb; b++) {
      uint8_t *sb = dst + r / ROWS * strip + b * Q6_BYTES;
      uint8_t u[256];
      if (r < rows) {
        const uint8_t *blk = w + r * rowBytes + b * 210;
        q6_k_values(blk, u);
        memcpy(sb + 2 * lane, blk + 208, 2);
        for (int j = 0; j < 16; j++) sb[Q6_SCALES + 16 * j + lane] = blk[192 + j];
      } else {
        memset(u, 32, sizeof u);
      }
      for (int q = 0; q < 4; q++) {
        uint8_t *group = sb + Q6_QUANTS + 768 * q;
        const uint8_t *v = u + 64 * q;
        for (int m = 0; m < 16; m++) {
          long at = 64 * (m / 4) + 4 * lane + m % 4;
          for (int j = 0; j < 3; j++)
            group[256 * j + at] = (uint8_t)(v[16 * j + m] | (v[48 + m] >> 2 * j & 3) << 6);
        }
      }
    }
  }
}

/*
 * Lets the process drop the whole pages of [at, at + bytes), a range of a file's read-only mapping
 * whose copy is made (MADV_DONTNEED): they stay in the page cache, and a later read faults them
 * back in, with the file's bytes. Without it the process's resident memory counts the matrix twice.
 * Only for file mappings: an anonymous range would read back as zeros.
 */
void wg_release_mapped(const uint8_t *at, long bytes) {
  long page = sysconf(_SC_PAGESIZE);
  uintptr_t start = ((uintptr_t)at + page - 1) / page * page, end = ((uintptr_t)at + bytes) / page * page;
  if (page > 0 && end > start) madvise((void *)start, end - start, MADV_DONTNEED);
}

/* Copies a matrix of `type` (row r's blocks at w + r·rowBytes) into dst, interleaved. */
void wg_interleave(int type, const uint8_t *w, long rowBytes, int rows, int cols, uint8_t *dst) {
  if (type == T_Q4_K || type == T_Q6_K) {
    (type == T_Q4_K ? interleave_q4_k : interleave_q6_k)(w, rowBytes, rows, cols, dst);
    return;
  }
  int nb = cols / 32, G = vectors(type), blockBytes = type == T_Q4_0 ? 18 : 34;
  long pair = pair_bytes(type), strip = strip_bytes(type, nb);
  memset(dst, 0, (size_t)((rows + ROWS - 1) / ROWS * strip));
  for (long r = 0; r < (rows + ROWS - 1) / ROWS * ROWS; r++) {
    uint8_t *s = dst + r / ROWS * strip;
    int lane = (int)(r % ROWS);
    for (long b = 0; b < nb; b++) {
      uint8_t *v = s + vectors_at(pair, type, b) + 4 * lane;
      if (r >= rows) {
        /* Zero weights: Q4_0's nibbles 8, Q8_0's bytes 0 (stored plus 128); scale 0 either way. */
        for (int g = 0; g < G; g++) memset(v + 64 * g, type == T_Q4_0 ? 0x88 : 0x80, 4);
        continue;
      }
      const uint8_t *blk = w + r * rowBytes + b * blockBytes;
      memcpy(s + scales_at(pair, b) + 2 * lane, blk, 2);
      for (int g = 0; g < G; g++) {
        uint32_t q;
        memcpy(&q, blk + 2 + 4 * g, 4);
        q ^= type == T_Q8_0 ? 0x80808080u : 0;
        memcpy(v + 64 * g, &q, 4);
      }
    }
  }
}

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

/*
 * A block's weights for 16 rows (its vectors at wv) as 8 vectors of unsigned bytes: vector g pairs
 * with x's bytes 4g..4g+3. Q4_0's are its nibbles, 8 more than the weights; Q8_0's 128 more.
 */
ALWAYS_INLINE void block_weights(int type, const uint8_t *wv, __m512i *w) {
  if (type == T_Q4_0) {
    const __m512i nibble = _mm512_set1_epi8(0x0f);
    for (int g = 0; g < 4; g++) {
      __m512i packed = _mm512_load_si512(wv + 64 * g);
      w[g] = _mm512_and_si512(packed, nibble);
      w[4 + g] = _mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble);
    }
  } else {
    for (int g = 0; g < 8; g++) w[g] = _mm512_load_si512(wv + 64 * g);
  }
}

/*
 * A block's 16 exact integer dots with x's block (bytes xb, each 4 broadcast; their sum xsum),
 * starting from the weights' bias's share. Two chains, for latency.
 */
ALWAYS_INLINE __m512i block_dot(int type, const __m512i *w, const __m512i *xb, int32_t xsum) {
  __m512i a = _mm512_set1_epi32((type == T_Q4_0 ? -8 : -128) * xsum), c = _mm512_setzero_si512();
  for (int g = 0; g < 8; g += 2) {
    a = _mm512_dpbusd_epi32(a, w[g], xb[g]);
    c = _mm512_dpbusd_epi32(c, w[g + 1], xb[g + 1]);
  }
  return _mm512_add_epi32(a, c);
}

ALWAYS_INLINE __m512 block_scales(const uint8_t *strip, long pair, long b) {
  return _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(strip + scales_at(pair, b))));
}

/* The quantized activations of up to 8 vectors. */
typedef struct {
  const int8_t *q[8];
  const float *d[8];
  const int32_t *s[8];
} xs_t;

/* Strips k = 0..3 (four streams read side by side) by one vector, into acc[k]. */
ALWAYS_INLINE void four_strips(int type, const uint8_t *const *strip, int nb, const xs_t *x,
                               __m512 *acc) {
  long pair = pair_bytes(type);
  for (int k = 0; k < 4; k++) acc[k] = _mm512_setzero_ps();
  for (long b = 0; b < nb; b++) {
    __m512i xb[8];
    for (int g = 0; g < 8; g++) xb[g] = broadcast4(x->q[0] + 32 * b + 4 * g);
    __m512 dx = _mm512_set1_ps(x->d[0][b]);
    _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) {
      const uint8_t *wv = strip[k] + vectors_at(pair, type, b);
      fetch(wv, vectors(type), type == T_Q4_0 ? AHEAD_Q4_0 : AHEAD_Q8_0);
      __m512i w[8];
      block_weights(type, wv, w);
      __m512i dot = block_dot(type, w, xb, x->s[0][b]);
      __m512 scale = _mm512_mul_ps(block_scales(strip[k], pair, b), dx);
      acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[k]);
    }
  }
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
    }
  }
}

/*
 * Super-block b of a strip (sb, K_BYTES) by V vectors quantized per 256 (at most 8), into acc[v]:
 * per pair of sub-blocks the 16 rows' exact integer dots, times their scales, summed as integers
 * over the super-block; then acc = fma(sum, d·dx, acc), and acc = acc − (minimums · x's sums of the
 * sub-blocks)·dmin·dx.
 */
ALWAYS_INLINE void q4_k_block(const uint8_t *sb, const xs_t *x, int V, long b, __m512 *acc) {
  /*
   * One vector leaves the high nibbles where they are, 16 times their values, and takes the low
   * ones' scales 16 times to match: the super-block's sum, a multiple of 16 below 2^29 (4 pairs of
   * 2 · 32 · 240 · 128 · 63), is shifted back exactly at its end — a shift a pair instead of one a
   * vector: 0.94-0.99x the time in C. Several vectors share the unpacking, and three ran 1.1x
   * slower that way, so they shift each vector down.
   */
  const int in_place = V == 1;
  const __m512i nibble = _mm512_set1_epi8(0x0f), high = _mm512_set1_epi8((char)0xf0);
  __m512i isum[8];
  for (int v = 0; v < V; v++) isum[v] = _mm512_setzero_si512();
  for (int p = 0; p < 4; p++) {
    const uint8_t *wv = sb + K_QUANTS + 512 * p;
    __m512i lo[8], hi[8];
    for (int g = 0; g < 8; g++) {
      __m512i packed = _mm512_load_si512(wv + 64 * g);
      lo[g] = _mm512_and_si512(packed, nibble);
      hi[g] = in_place ? _mm512_and_si512(packed, high)
                       : _mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble);
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
  __m512 d = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)sb));
  _Pragma("GCC unroll 8") for (int v = 0; v < V; v++) {
    __m512 scale = _mm512_mul_ps(d, _mm512_set1_ps(x->d[v][b]));
    acc[v] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[v]), scale, acc[v]);
  }
}

/* A K-quant strip by V vectors (at most 8), into acc[v]. */
ALWAYS_INLINE void k_strip(int type, const uint8_t *strip, int nb, const xs_t *x,
                           const int32_t *const *s16, int V, __m512 *acc) {
  for (int v = 0; v < V; v++) acc[v] = _mm512_setzero_ps();
  for (long b = 0; b < nb; b++) {
    const uint8_t *sb = strip + b * superblock_bytes(type);
    /* Several vectors only: one vector's products stream faster on the hardware's prefetcher. */
    if (V > 1)
      fetch(sb, (int)(superblock_bytes(type) / 64), type == T_Q4_K ? AHEAD_Q4_K : AHEAD_Q6_K);
    if (type == T_Q4_K) q4_k_block(sb, x, V, b, acc);
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

/* For Q6_K, each vector's sums of its 16-value sub-blocks (s16[v] in sums), from its bytes. */
static int sums_of_16(int type, const int8_t *xq, int n, int cols, int32_t **sums, int32_t ***s16) {
  *sums = 0;
  *s16 = 0;
  if (type != T_Q6_K) return 0;
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
    for (int s = first; s < first + part; s++) {
      const uint8_t *strips[4];
      for (int k = 0; k < 4; k++) strips[k] = p + (s + k * part) * strip_size;
      __m512 acc[4];
      if (type == T_Q4_0) four_strips(T_Q4_0, strips, nb, &x, acc);
      else four_strips(T_Q8_0, strips, nb, &x, acc);
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
      } else if (type == T_Q8_0) {
        ONE_STRIP_ALL(T_Q8_0)
      } else if (type == T_Q4_K) {
        K_STRIP_ALL(T_Q4_K)
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
