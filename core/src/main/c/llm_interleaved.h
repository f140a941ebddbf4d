/*
 * The layout of a matrix's copy with 16 rows interleaved: lane i of every 64-byte vector is row i
 * of a strip of 16 rows. llm_interleave.c makes the copies, llm_interleaved_kernels.c reads them.
 *
 * A strip holds its blocks in pairs: the pair's 32 f16 scales (16 rows of the first block, then of
 * the second), then the first block's vectors, then the second's: 4 of 64 bytes for Q4_0 (byte k
 * of lane i: the row's packed nibbles 4g + k, low nibble value 4g + k, high 16 + 4g + k), 5 for
 * Q5_0 (Q4_0's 4, then one of the values' fifth bits, see high_masks), 8 for Q8_0 (its signed
 * bytes plus 128); Q4_1 and Q5_1 as Q4_0 and Q5_0, with their minimums' 32 f16 after the scales;
 * IQ4_NL as Q4_0, its nibbles indices. Every pair starts on a cache line. Rows past the matrix's last are zero
 * weights.
 */
#ifndef WG_LLM_INTERLEAVED_H
#define WG_LLM_INTERLEAVED_H

#include "llm_types.h"
#include <stdint.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define ROWS 16

/* Vectors of 64 bytes per block of the values' low bits (Q8_0's whole bytes): a lane's 4 bytes each. */
static inline int value_vectors(int type) {
  return type == T_Q8_0 ? 8 : 4;
}

/* Vectors of 64 bytes per block: the values', then for Q5_0 and Q5_1 one of their fifth bits
 * (high_masks). */
static inline int vectors(int type) {
  return value_vectors(type) + (type == T_Q5_0 || type == T_Q5_1);
}

/* Whether a block of 32 has a minimum besides its scale (weight = d·q + m): Q4_1, Q5_1. */
static inline int with_min(int type) {
  return type == T_Q4_1 || type == T_Q5_1;
}

/* Bytes of a pair's f16 scales: d for 16 rows of each block, then the minimums likewise. */
static inline long scales_bytes(int type) {
  return with_min(type) ? 128 : 64;
}

static inline long pair_bytes(int type) {
  return scales_bytes(type) + 2 * 64L * vectors(type);
}

static inline long strip_bytes(int type, int nb) {
  return (nb + 1) / 2 * pair_bytes(type);
}

/* Where block b's scales (its minimums 64 bytes on), and its vectors, start in a strip. */
ALWAYS_INLINE long scales_at(long pair, long b) {
  return b / 2 * pair + 32 * (b % 2);
}

ALWAYS_INLINE long vectors_at(long pair, int type, long b) {
  return b / 2 * pair + scales_bytes(type) + (b % 2) * 64L * vectors(type);
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

/* Q5_K: Q4_K's layout, each pair of sub-blocks followed by its values' fifth bits (high_masks), the
 * first sub-block's vector then the second's. */
#define K5_BYTES (K_QUANTS + 4 * 640)

/* Bytes of a pair of sub-blocks of Q4_K or Q5_K. */
ALWAYS_INLINE long k_pair_bytes(int type) {
  return type == T_Q5_K ? 640 : 512;
}

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

/*
 * IQ4_XS: Q4_K's layout of indices (its pairs of sub-blocks in the low and high nibbles) after the
 * 16 rows' f16 d (a cache line) and the 8 sub-blocks' scales less 32 as int8 (16 a sub-block).
 */
#define XS_SCALES 64
#define XS_QUANTS (XS_SCALES + 128)
#define XS_BYTES (XS_QUANTS + 4 * 512)

/*
 * Q3_K: the 16 rows' f16 d (a cache line), the 16 sub-blocks' scales less 32 as int8 (16 a
 * sub-block), then for each group of 64 values (4 sub-blocks of 16) 6 vectors of the values as
 * unsigned 3 bits (the weights plus 4): vector g (g < 4) holds in bits 2j, 2j + 1 of byte k of lane
 * i the low two bits of value 16j + 4g + k, and vector 4 + h holds in bit j + 4·(g % 2) the top bit
 * of that value, for g = 2h, 2h + 1 — the file's density, a shift, a mask and a bit-select a
 * vector of values (q3_k_block).
 */
#define Q3_SCALES 64
#define Q3_QUANTS (Q3_SCALES + 256)
#define Q3_BYTES (Q3_QUANTS + 4 * 384)

/*
 * Q2_K: the 16 rows' f16 d then dmin (a cache line), the 16 sub-blocks' scale (low nibble) and
 * minimum (high) bytes as the file has them (16 a sub-block), then for each group of 64 values 4
 * vectors, bits 2j, 2j + 1 of byte k of lane i in vector g value 16j + 4g + k (Q3_K's low bits).
 */
#define Q2_SCALES 64
#define Q2_QUANTS (Q2_SCALES + 256)
#define Q2_BYTES (Q2_QUANTS + 4 * 256)

/* A super-block's bytes in a strip, for the types with super-blocks of 256; else 0. */
static inline long superblock_bytes(int type) {
  switch (type) {
    case T_Q4_K: return K_BYTES;
    case T_Q5_K: return K5_BYTES;
    case T_Q6_K: return Q6_BYTES;
    case T_IQ4_XS: return XS_BYTES;
    case T_Q3_K: return Q3_BYTES;
    case T_Q2_K: return Q2_BYTES;
    default: return 0;
  }
}

static inline long matrix_bytes(int type, int rows, int cols) {
  long strips = (rows + ROWS - 1) / ROWS;
  long sb = superblock_bytes(type);
  return sb ? strips * (cols / 256) * sb : strips * strip_bytes(type, cols / 32);
}

#endif
