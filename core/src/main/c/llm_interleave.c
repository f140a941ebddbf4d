/*
 * The copies of Q8_0, Q4_0, Q5_0, Q4_K, Q5_K and Q6_K matrices with 16 rows interleaved that
 * llm_interleaved_kernels.c reads (llm_interleaved.h's layout), made once per matrix.
 */
#include "llm_interleaved.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int wg_isa(void);

/*
 * Bytes of the interleaved copy of a rows × cols matrix of `type` (a 64-byte aligned buffer of
 * that size for wg_interleave); 0 where there is none: another type, a CPU without AVX-512 VNNI
 * (wg_isa), or WASMGRID_LLM_INTERLEAVE=off in the environment (the file layout's kernels then, and
 * no copies: their memory, and the time to make them before the first token, saved).
 */
long wg_interleaved_bytes(int type, int rows, int cols) {
  int block = superblock_bytes(type) ? 256 : 32;
  const char *want = getenv("WASMGRID_LLM_INTERLEAVE");
  if ((type != T_Q4_0 && type != T_Q5_0 && type != T_Q4_1 && type != T_Q5_1 && type != T_Q8_0 &&
       type != T_IQ4_NL && !superblock_bytes(type)) ||
      wg_isa() != 512 ||
      (want && strcmp(want, "off") == 0) || rows <= 0 || cols <= 0 || cols % block)
    return 0;
  return matrix_bytes(type, rows, cols);
}

/*
 * Q5_0's and Q5_K's fifth bits for 8 value vectors (32 values of 16 rows) as one vector: bit g of
 * byte k of lane i that of value 4g + k of lane i's row (bit 4g + k of `bits`), so that two
 * operations a vector (a shift and a bit-select) put it on bit 4 of the value's byte (fifth_bits).
 */
static void high_masks(uint8_t *m, int lane, uint32_t bits) {
  for (int g = 0; g < 8; g++)
    for (int k = 0; k < 4; k++) m[4 * lane + k] |= (uint8_t)((bits >> (4 * g + k) & 1) << g);
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

/* Q4_K or Q5_K (llama.cpp's blocks: Q5_K's are Q4_K's with the fifth bits, 32 bytes, before the
 * nibbles; bit 2p of byte l that of value l of sub-block 2p, bit 2p + 1 of sub-block 2p + 1). */
static void interleave_q4_5_k(int type, const uint8_t *w, long rowBytes, int rows, int cols,
                              uint8_t *dst) {
  int nb = cols / 256, five = type == T_Q5_K;
  long sbBytes = superblock_bytes(type), pair = k_pair_bytes(type), strip = nb * sbBytes;
  memset(dst, 0, (size_t)matrix_bytes(type, rows, cols));
  for (long r = 0; r < rows; r++) {
    int lane = (int)(r % ROWS);
    for (long b = 0; b < nb; b++) {
      uint8_t *sb = dst + r / ROWS * strip + b * sbBytes;
      const uint8_t *blk = w + r * rowBytes + b * (five ? 176 : 144);
      const uint8_t *nibbles = blk + (five ? 48 : 16);
      memcpy(sb + 2 * lane, blk, 2);
      memcpy(sb + 32 + 2 * lane, blk + 2, 2);
      for (int j = 0; j < 8; j++)
        k_scale_min(blk + 4, j, sb + K_SCALES + 16 * j + lane, sb + K_MINS + 16 * j + lane);
      for (int p = 0; p < 4; p++) {
        uint8_t *wv = sb + K_QUANTS + pair * p;
        for (int g = 0; g < 8; g++) memcpy(wv + 64 * g + 4 * lane, nibbles + 32 * p + 4 * g, 4);
        if (!five) continue;
        uint32_t first = 0, second = 0;
        for (int l = 0; l < 32; l++) {
          first |= (uint32_t)(blk[16 + l] >> 2 * p & 1) << l;
          second |= (uint32_t)(blk[16 + l] >> (2 * p + 1) & 1) << l;
        }
        high_masks(wv + 512, lane, first);
        high_masks(wv + 576, lane, second);
      }
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
 * Q3_K or Q2_K (llama.cpp's blocks. Q3_K: the top bits hmask[32], the low two bits qs[64], the 16
 * scales' 6 bits packed in 12 bytes, d; bit 4h + t of hmask[l] and bits 2t, 2t + 1 of qs[32h + l]
 * are value 128h + 32t + l's. Q2_K: 16 bytes of a scale and a minimum each, qs[64] as Q3_K's, d,
 * dmin).
 */
static void interleave_q2_3_k(int type, const uint8_t *w, long rowBytes, int rows, int cols,
                              uint8_t *dst) {
  int nb = cols / 256, three = type == T_Q3_K;
  long sbBytes = superblock_bytes(type), strip = nb * sbBytes;
  memset(dst, 0, (size_t)matrix_bytes(type, rows, cols));
  for (long r = 0; r < rows; r++) {
    int lane = (int)(r % ROWS);
    for (long b = 0; b < nb; b++) {
      uint8_t *sb = dst + r / ROWS * strip + b * sbBytes;
      const uint8_t *blk = w + r * rowBytes + b * (three ? 110 : 84), *sc = blk + 96;
      const uint8_t *qs = blk + (three ? 32 : 16);
      if (three) {
        memcpy(sb + 2 * lane, blk + 108, 2);
        for (int i = 0; i < 16; i++) {
          int scale = ((sc[i % 8] >> 4 * (i / 8)) & 0x0f) | ((sc[8 + i % 4] >> 2 * (i / 4)) & 3) << 4;
          sb[Q3_SCALES + 16 * i + lane] = (uint8_t)(int8_t)(scale - 32);
        }
      } else {
        memcpy(sb + 2 * lane, blk + 80, 2);
        memcpy(sb + 32 + 2 * lane, blk + 82, 2);
        for (int i = 0; i < 16; i++) sb[Q2_SCALES + 16 * i + lane] = blk[i];
      }
      for (int y = 0; y < 256; y++) {
        int h = y / 128, t = y % 128 / 32, l = y % 32;
        int u = (qs[32 * h + l] >> 2 * t & 3) | (three ? (blk[l] >> (4 * h + t) & 1) << 2 : 0);
        int q = y / 64, j = y % 64 / 16, g = y % 16 / 4, k = y % 4;
        uint8_t *group = sb + (three ? Q3_QUANTS + 384 * q : Q2_QUANTS + 256 * q);
        group[64 * g + 4 * lane + k] |= (uint8_t)((u & 3) << 2 * j);
        if (three) group[256 + 64 * (g / 2) + 4 * lane + k] |= (uint8_t)((u >> 2) << (j + 4 * (g % 2)));
      }
    }
  }
}

/* IQ4_XS (llama.cpp's blocks: d, the scales' top 2 bits (u16) and low 4 (4 bytes), then each
 * sub-block's 32 indices as Q4_0 packs its values) in Q4_K's arrangement of nibbles. */
static void interleave_iq4_xs(const uint8_t *w, long rowBytes, int rows, int cols, uint8_t *dst) {
  int nb = cols / 256;
  long strip = nb * XS_BYTES;
  memset(dst, 0, (size_t)matrix_bytes(T_IQ4_XS, rows, cols));
  for (long r = 0; r < rows; r++) {
    int lane = (int)(r % ROWS);
    for (long b = 0; b < nb; b++) {
      uint8_t *sb = dst + r / ROWS * strip + b * XS_BYTES;
      const uint8_t *blk = w + r * rowBytes + b * 136;
      int high = blk[2] | blk[3] << 8;
      memcpy(sb + 2 * lane, blk, 2);
      for (int j = 0; j < 8; j++) {
        int scale = ((blk[4 + j / 2] >> 4 * (j % 2)) & 0x0f) | ((high >> 2 * j) & 3) << 4;
        sb[XS_SCALES + 16 * j + lane] = (uint8_t)(int8_t)(scale - 32);
      }
      for (int p = 0; p < 4; p++)
        for (int l = 0; l < 32; l++) {
          const uint8_t *first = blk + 8 + 32 * p, *second = first + 16;
          int lo = l < 16 ? first[l] & 0x0f : first[l - 16] >> 4;
          int hi = l < 16 ? second[l] & 0x0f : second[l - 16] >> 4;
          sb[XS_QUANTS + 512 * p + 64 * (l / 4) + 4 * lane + l % 4] = (uint8_t)(lo | hi << 4);
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
  if (type == T_Q4_K || type == T_Q5_K) {
    interleave_q4_5_k(type, w, rowBytes, rows, cols, dst);
    return;
  }
  if (type == T_Q6_K) {
    interleave_q6_k(w, rowBytes, rows, cols, dst);
    return;
  }
  if (type == T_IQ4_XS) {
    interleave_iq4_xs(w, rowBytes, rows, cols, dst);
    return;
  }
  if (type == T_Q3_K || type == T_Q2_K) {
    interleave_q2_3_k(type, w, rowBytes, rows, cols, dst);
    return;
  }
  int nb = cols / 32, G = value_vectors(type);
  /* Bytes of a block, where its values start, and its fifth bits (Q5_0, Q5_1). */
  int blockBytes = type == T_Q4_0 || type == T_IQ4_NL ? 18
                   : type == T_Q4_1                    ? 20
                   : type == T_Q5_0                    ? 22
                   : type == T_Q5_1                    ? 24
                                                       : 34;
  int values = type == T_Q5_0 ? 6 : type == T_Q4_1 ? 4 : type == T_Q5_1 ? 8 : 2;
  int fifth_at = type == T_Q5_0 ? 2 : type == T_Q5_1 ? 4 : 0;
  long pair = pair_bytes(type), strip = strip_bytes(type, nb);
  memset(dst, 0, (size_t)((rows + ROWS - 1) / ROWS * strip));
  for (long r = 0; r < (rows + ROWS - 1) / ROWS * ROWS; r++) {
    uint8_t *s = dst + r / ROWS * strip;
    int lane = (int)(r % ROWS);
    for (long b = 0; b < nb; b++) {
      uint8_t *v = s + vectors_at(pair, type, b);
      if (r >= rows) {
        /* Zero weights: Q4_0's nibbles 8, Q5_0's 0 with the fifth bit set (high_masks), Q8_0's
         * bytes 0 (stored plus 128), Q4_1's and Q5_1's 0 (minimum 0); scale 0 anyway. */
        for (int g = 0; g < G; g++)
          memset(v + 64 * g + 4 * lane, type == T_Q4_0 ? 0x88 : type == T_Q8_0 ? 0x80 : 0, 4);
        if (type == T_Q5_0) high_masks(v + 64 * G, lane, 0xffffffffu);
        continue;
      }
      const uint8_t *blk = w + r * rowBytes + b * blockBytes;
      memcpy(s + scales_at(pair, b) + 2 * lane, blk, 2);
      if (with_min(type)) memcpy(s + scales_at(pair, b) + 64 + 2 * lane, blk + 2, 2);
      for (int g = 0; g < G; g++) {
        uint32_t q;
        memcpy(&q, blk + values + 4 * g, 4);
        q ^= type == T_Q8_0 ? 0x80808080u : 0;
        memcpy(v + 64 * g + 4 * lane, &q, 4);
      }
      if (fifth_at) {
        uint32_t fifth;
        memcpy(&fifth, blk + fifth_at, 4);
        high_masks(v + 64 * G, lane, fifth);
      }
    }
  }
}
