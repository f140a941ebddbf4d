package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Blocks as a byte per weight with a scale per sub-block — the form of a {@code Q8Matrix}: Q8_0,
 * Q4_0 and Q5_0 per 32 weights (weight = d · q, d · (q − 8), d · (q − 16)), Q4_1 and Q5_1 with an
 * offset per 32 weights (weight = d · q − (−m)), Q4_K and Q5_K likewise (weight = scale · q −
 * offset, scale {@code d · scale_j} and offset {@code dmin · min_j}), Q6_K per 16 weights (weight =
 * scale · (q − 32), scale {@code d · scale_j}), each computed in float as the codecs compute them,
 * so each weight equals the codec's bit for bit.
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
        || type == TensorType.Q6_K;
  }

  /** Weights per scale of {@code type} widened: 16 for Q6_K, 32 for the others. */
  public static int group(TensorType type) {
    return type == TensorType.Q6_K ? 16 : 32;
  }

  /** Whether {@code type} widened has offsets. */
  public static boolean hasOffsets(TensorType type) {
    return type == TensorType.Q4_1
        || type == TensorType.Q5_1
        || type == TensorType.Q4_K
        || type == TensorType.Q5_K;
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
    if (type == TensorType.Q6_K) {
      widenQ6K(src, srcOff, blocks, q, qOff, scales, gOff);
      return;
    }
    if (type == TensorType.Q5_0) {
      widenQ50(src, srcOff, blocks, q, qOff, scales, gOff);
      return;
    }
    if (type == TensorType.Q8_0 || type == TensorType.Q4_0) {
      widenQ80Q40(type, src, srcOff, blocks, q, qOff, scales, gOff);
      return;
    }
    if (type == TensorType.Q4_1 || type == TensorType.Q5_1) {
      widenQ41Q51(type, src, srcOff, blocks, q, qOff, scales, offsets, gOff);
      return;
    }
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
  private static void widenQ80Q40(
      TensorType type,
      byte[] src,
      int srcOff,
      int blocks,
      byte[] q,
      int qOff,
      float[] scales,
      int gOff) {
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
  private static void widenQ50(
      byte[] src, int srcOff, int blocks, byte[] q, int qOff, float[] scales, int gOff) {
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
  private static void widenQ41Q51(
      TensorType type,
      byte[] src,
      int srcOff,
      int blocks,
      byte[] q,
      int qOff,
      float[] scales,
      float[] offsets,
      int gOff) {
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

  /** Q6_K as its codec lays it out: for each half of 128 weights, groups of 16 in scale order. */
  private static void widenQ6K(
      byte[] src, int srcOff, int blocks, byte[] q, int qOff, float[] scales, int gOff) {
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
