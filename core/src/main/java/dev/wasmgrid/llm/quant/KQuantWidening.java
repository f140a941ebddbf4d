package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q4_K and Q5_K blocks as a byte per weight with a scale and an offset per sub-block of 32 — the
 * form of a {@code Q8Matrix} with offsets. Weight = scale · q − offset with the scale and offset
 * computed as the codecs compute them ({@code d · scale_j} and {@code dmin · min_j}, in float), so
 * each weight equals the codec's bit for bit.
 */
public final class KQuantWidening {

  private KQuantWidening() {}

  /** Whether {@code type} widens here. */
  public static boolean handles(TensorType type) {
    return type == TensorType.Q4_K || type == TensorType.Q5_K;
  }

  /**
   * Widens {@code blocks} blocks of {@code type} at {@code src[srcOff..]} into 256 quants each at
   * {@code q[qOff..]} and 8 scales and offsets each at {@code scales[gOff..]}, {@code
   * offsets[gOff..]}.
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
}
