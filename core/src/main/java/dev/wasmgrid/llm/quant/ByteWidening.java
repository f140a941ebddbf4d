package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Blocks as a byte per weight with a scale per sub-block — the form of a {@code Q8Matrix}: Q8_0,
 * Q4_0 and Q5_0 per 32 weights (weight = d · q, d · (q − 8), d · (q − 16)), Q4_1 and Q5_1 with an
 * offset per 32 weights (weight = d · q − (−m)), Q4_K and Q5_K likewise (weight = scale · q −
 * offset, scale {@code d · scale_j} and offset {@code dmin · min_j}), IQ4_NL and IQ4_XS per 32 (the
 * table's value of each index, scale d or d · (scale_j − 32)), Q2_K and Q3_K per 16 (Q2_K with an
 * offset), Q6_K per 16 weights (weight = scale · (q − 32), scale {@code d · scale_j}), each
 * computed in float as the codecs compute them, so each weight equals the codec's bit for bit.
 */
public final class ByteWidening {

  private ByteWidening() {}

  /** Whether {@code type} widens here. */
  public static boolean handles(TensorType type) {
    return type == TensorType.Q8_0
        || type == TensorType.Q4_0
        || type == TensorType.Q5_0
        || type == TensorType.Q4_1
        || type == TensorType.Q5_1
        || type == TensorType.Q4_K
        || type == TensorType.Q5_K
        || type == TensorType.Q6_K
        || type == TensorType.Q2_K
        || type == TensorType.Q3_K
        || type == TensorType.IQ4_NL
        || type == TensorType.IQ4_XS;
  }

  /** Weights per scale of {@code type} widened: 16 for Q6_K, Q2_K and Q3_K, 32 for the others. */
  public static int group(TensorType type) {
    return type == TensorType.Q6_K || type == TensorType.Q2_K || type == TensorType.Q3_K ? 16 : 32;
  }

  /** Whether {@code type} widened has offsets. */
  public static boolean hasOffsets(TensorType type) {
    return type == TensorType.Q4_1
        || type == TensorType.Q5_1
        || type == TensorType.Q4_K
        || type == TensorType.Q5_K
        || type == TensorType.Q2_K;
  }

  /**
   * Heap bytes {@code weights} weights of {@code type} take widened: a byte each, floats per group.
   */
  public static long bytes(TensorType type, long weights) {
    return weights + weights / group(type) * Float.BYTES * (hasOffsets(type) ? 2 : 1);
  }

  /**
   * Widens {@code blocks} blocks of {@code type} at {@code src[srcOff..]} into their quants (a
   * block's weights each) at {@code q[qOff..]} and their scales and offsets (one per {@link
   * #group}) at {@code scales[gOff..]} and {@code offsets[gOff..]} (null without {@link
   * #hasOffsets}).
   */
  public static void widen(
      TensorType type,
      byte[] src,
      int srcOff,
      int blocks,
      byte[] q,
      int qOff,
      float[] scales,
      float[] offsets,
      int gOff) {
    Out out = new Out(q, qOff, scales, offsets, gOff);
    switch (type) {
      case Q8_0, Q4_0 -> widenQ80Q40(type, src, srcOff, blocks, out);
      case Q5_0 -> widenQ50(src, srcOff, blocks, out);
      case Q4_1, Q5_1 -> widenQ41Q51(type, src, srcOff, blocks, out);
      case Q4_K, Q5_K -> widenQ4KQ5K(type, src, srcOff, blocks, out);
      case Q6_K -> widenQ6K(src, srcOff, blocks, out);
      case Q2_K -> widenQ2K(src, srcOff, blocks, out);
      case Q3_K -> widenQ3K(src, srcOff, blocks, out);
      case IQ4_NL, IQ4_XS -> widenIq4(type, src, srcOff, blocks, out);
      default -> throw new IllegalArgumentException(type + " is not widened");
    }
  }

  /** Where widened blocks go: their quants from {@code q[qOff]}, scales (and offsets) from gOff. */
  private static final class Out {
    final byte[] q;
    final int qOff;
    final float[] scales;
    final float[] offsets;
    final int gOff;

    Out(byte[] q, int qOff, float[] scales, float[] offsets, int gOff) {
      this.q = q;
      this.qOff = qOff;
      this.scales = scales;
      this.offsets = offsets;
      this.gOff = gOff;
    }
  }

  /** Q4_K and Q5_K as their codecs read them. */
  private static void widenQ4KQ5K(TensorType type, byte[] src, int srcOff, int blocks, Out out) {
    byte[] q = out.q;
    int qOff = out.qOff;
    float[] scales = out.scales;
    float[] offsets = out.offsets;
    int gOff = out.gOff;
    boolean five = type == TensorType.Q5_K;
    int size = type.blockBytes();
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * size;
      float d = Bytes.half(src, at);
      float dmin = Bytes.half(src, at + 2);
      int packed = at + 4;
      int qh = at + 16;
      int qs = five ? at + 48 : at + 16;
      int y = qOff + b * 256;
      int g = gOff + b * 8;
      for (int pair = 0; pair < 4; pair++) {
        for (int half = 0; half < 2; half++) {
          int j = 2 * pair + half;
          scales[g + j] = d * KScales.scale(src, packed, j);
          offsets[g + j] = dmin * KScales.min(src, packed, j);
        }
        int from = qs + 32 * pair;
        for (int l = 0; l < 32; l++) {
          int v = Bytes.u8(src, from + l);
          int lo = v & 0x0f;
          int hi = v >>> 4;
          if (five) {
            int h = Bytes.u8(src, qh + l) >>> (2 * pair);
            lo |= (h & 1) << 4;
            hi |= (h & 2) << 3;
          }
          q[y + l] = (byte) lo;
          q[y + 32 + l] = (byte) hi;
        }
        y += 64;
      }
    }
  }

  /** Q8_0's signed bytes as they are; Q4_0's nibbles (low ones first) minus 8. */
  private static void widenQ80Q40(TensorType type, byte[] src, int srcOff, int blocks, Out out) {
    byte[] q = out.q;
    int qOff = out.qOff;
    float[] scales = out.scales;
    int gOff = out.gOff;
    int size = type.blockBytes();
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * size;
      int y = qOff + b * 32;
      scales[gOff + b] = Bytes.half(src, at);
      if (type == TensorType.Q8_0) {
        System.arraycopy(src, at + 2, q, y, 32);
      } else {
        for (int j = 0; j < 16; j++) {
          int v = Bytes.u8(src, at + 2 + j);
          q[y + j] = (byte) ((v & 0x0f) - 8);
          q[y + j + 16] = (byte) ((v >>> 4) - 8);
        }
      }
    }
  }

  /** Q5_0 as its codec reads it: 16 low nibbles, 16 high ones, each with a bit of the u32. */
  private static void widenQ50(byte[] src, int srcOff, int blocks, Out out) {
    byte[] q = out.q;
    int qOff = out.qOff;
    float[] scales = out.scales;
    int gOff = out.gOff;
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * 22;
      int y = qOff + b * 32;
      scales[gOff + b] = Bytes.half(src, at);
      int high = Bytes.u32(src, at + 2);
      for (int j = 0; j < 16; j++) {
        int v = Bytes.u8(src, at + 6 + j);
        q[y + j] = (byte) (((v & 0x0f) | ((high >>> j) & 1) << 4) - 16);
        q[y + j + 16] = (byte) (((v >>> 4) | ((high >>> (j + 16)) & 1) << 4) - 16);
      }
    }
  }

  /**
   * Q4_1 and Q5_1 as their codecs read them (16 low nibbles, 16 high ones; Q5_1's with a bit of its
   * u32 each), the minimum negated: d · q − (−m) is the codec's d · q + m in float.
   */
  private static void widenQ41Q51(TensorType type, byte[] src, int srcOff, int blocks, Out out) {
    byte[] q = out.q;
    int qOff = out.qOff;
    float[] scales = out.scales;
    float[] offsets = out.offsets;
    int gOff = out.gOff;
    boolean five = type == TensorType.Q5_1;
    int size = type.blockBytes();
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * size;
      int y = qOff + b * 32;
      scales[gOff + b] = Bytes.half(src, at);
      offsets[gOff + b] = -Bytes.half(src, at + 2);
      int high = five ? Bytes.u32(src, at + 4) : 0;
      int nibbles = at + (five ? 8 : 4);
      for (int j = 0; j < 16; j++) {
        int v = Bytes.u8(src, nibbles + j);
        q[y + j] = (byte) ((v & 0x0f) | ((high >>> j) & 1) << 4);
        q[y + j + 16] = (byte) ((v >>> 4) | ((high >>> (j + 16)) & 1) << 4);
      }
    }
  }

  /**
   * Q2_K as its codec reads it: 16 sub-blocks of 16, 2 bits a weight, a scale and an offset each.
   */
  private static void widenQ2K(byte[] src, int srcOff, int blocks, Out out) {
    byte[] q = out.q;
    int qOff = out.qOff;
    float[] scales = out.scales;
    float[] offsets = out.offsets;
    int gOff = out.gOff;
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * TensorType.Q2_K.blockBytes();
      float d = Bytes.half(src, at + 80);
      float dmin = Bytes.half(src, at + 82);
      int y = qOff + b * 256;
      int j = 0;
      for (int half = 0; half < 2; half++) {
        int qs = at + 16 + 32 * half;
        for (int shift = 0; shift < 8; shift += 2) {
          for (int part = 0; part < 2; part++, j++) {
            int sc = Bytes.u8(src, at + j);
            scales[gOff + 16 * b + j] = d * (sc & 0x0f);
            offsets[gOff + 16 * b + j] = dmin * (sc >>> 4);
            for (int l = 0; l < 16; l++) {
              q[y++] = (byte) ((Bytes.u8(src, qs + 16 * part + l) >>> shift) & 3);
            }
          }
        }
      }
    }
  }

  /**
   * Q3_K as its codec reads it: 16 sub-blocks of 16, 2 bits a weight and a bit of the high mask
   * whose absence takes 4 away, a 6-bit scale less 32 each.
   */
  private static void widenQ3K(byte[] src, int srcOff, int blocks, Out out) {
    byte[] q = out.q;
    int qOff = out.qOff;
    float[] scales = out.scales;
    int gOff = out.gOff;
    int[] sc = new int[16];
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * TensorType.Q3_K.blockBytes();
      float d = Bytes.half(src, at + 108);
      Q3_KCodec.unpackScales(src, at + 96, sc);
      int y = qOff + b * 256;
      int j = 0;
      int mask = 1;
      for (int half = 0; half < 2; half++) {
        int qs = at + 32 + 32 * half;
        for (int shift = 0; shift < 8; shift += 2, mask <<= 1) {
          for (int part = 0; part < 2; part++, j++) {
            scales[gOff + 16 * b + j] = d * (sc[j] - 32);
            for (int l = 16 * part; l < 16 * part + 16; l++) {
              int v = (Bytes.u8(src, qs + l) >>> shift) & 3;
              q[y++] = (byte) (v - ((src[at + l] & mask) != 0 ? 0 : 4));
            }
          }
        }
      }
    }
  }

  /**
   * IQ4_NL (a scale d per 32) and IQ4_XS (per 32, d · (scale − 32) of a 6-bit scale) as their
   * codecs read them: each index's value of the non-linear table.
   */
  private static void widenIq4(TensorType type, byte[] src, int srcOff, int blocks, Out out) {
    byte[] q = out.q;
    int qOff = out.qOff;
    float[] scales = out.scales;
    int gOff = out.gOff;
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * type.blockBytes();
      float d = Bytes.half(src, at);
      if (type == TensorType.IQ4_NL) {
        scales[gOff + b] = d;
        iq4Values(src, at + 2, q, qOff + 32 * b);
        continue;
      }
      int high = Bytes.u8(src, at + 2) | Bytes.u8(src, at + 3) << 8;
      for (int i = 0; i < 8; i++) {
        int low = (Bytes.u8(src, at + 4 + i / 2) >>> (4 * (i % 2))) & 0x0f;
        scales[gOff + 8 * b + i] = d * ((low | ((high >>> (2 * i)) & 3) << 4) - 32);
        iq4Values(src, at + 8 + 16 * i, q, qOff + 256 * b + 32 * i);
      }
    }
  }

  /** The table's values of the 32 indices packed in the 16 bytes at {@code src[at]}. */
  private static void iq4Values(byte[] src, int at, byte[] q, int y) {
    for (int j = 0; j < 16; j++) {
      int v = Bytes.u8(src, at + j);
      q[y + j] = Iq4NlCodec.VALUES[v & 0x0f];
      q[y + j + 16] = Iq4NlCodec.VALUES[v >>> 4];
    }
  }

  /** Q6_K as its codec lays it out: for each half of 128 weights, groups of 16 in scale order. */
  private static void widenQ6K(byte[] src, int srcOff, int blocks, Out out) {
    byte[] q = out.q;
    int qOff = out.qOff;
    float[] scales = out.scales;
    int gOff = out.gOff;
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * 210;
      float d = Bytes.half(src, at + 208);
      int y = qOff + b * 256;
      for (int half = 0; half < 2; half++) {
        int ql = at + 64 * half;
        int qh = at + 128 + 32 * half;
        int sc = at + 192 + 8 * half;
        for (int k = 0; k < 8; k++) {
          scales[gOff + b * 16 + 8 * half + k] = d * src[sc + k];
        }
        for (int l = 0; l < 32; l++) {
          int lo = Bytes.u8(src, ql + l);
          int lo32 = Bytes.u8(src, ql + l + 32);
          int h = Bytes.u8(src, qh + l);
          q[y + l] = (byte) (((lo & 0x0f) | (h & 3) << 4) - 32);
          q[y + l + 32] = (byte) (((lo32 & 0x0f) | ((h >>> 2) & 3) << 4) - 32);
          q[y + l + 64] = (byte) (((lo >>> 4) | ((h >>> 4) & 3) << 4) - 32);
          q[y + l + 96] = (byte) (((lo32 >>> 4) | ((h >>> 6) & 3) << 4) - 32);
        }
        y += 128;
      }
    }
  }
}
