package dev.wasmgrid.llm;

/**
 * Encodes float weights as GGML does: F16 (round to nearest even), Q8_0 (scale = max|x| / 127),
 * Q4_0 (scale = signed max / -8, values offset by 8). Scales are rounded to half precision, as GGUF
 * stores them, so every format that carries them encodes the same weights.
 */
public final class Quantizer {

  private Quantizer() {}

  /** Each value rounded to half precision and back. */
  public static float[] roundToHalf(float[] data) {
    float[] out = new float[data.length];
    for (int i = 0; i < data.length; i++) {
      out[i] = Half.toFloat(Half.fromFloat(data[i]));
    }
    return out;
  }

  /** Q8_0: per group of 32, a scale and 32 signed bytes. */
  public static Q8Matrix q8(float[] data, int rows, int cols) {
    int groups = data.length / Q8Matrix.GROUP;
    byte[] quants = new byte[data.length];
    float[] scales = new float[groups];
    for (int g = 0; g < groups; g++) {
      int base = g * Q8Matrix.GROUP;
      float amax = 0;
      for (int i = 0; i < Q8Matrix.GROUP; i++) {
        amax = Math.max(amax, Math.abs(data[base + i]));
      }
      float d = Half.toFloat(Half.fromFloat(amax / 127f));
      scales[g] = d;
      for (int i = 0; i < Q8Matrix.GROUP; i++) {
        int v = d == 0 ? 0 : Math.round(data[base + i] / d);
        quants[base + i] = (byte) Math.max(-127, Math.min(127, v));
      }
    }
    return new Q8Matrix(rows, cols, quants, scales);
  }

  /** Q4_0 as llama.cpp's reference quantizer, widened to one byte per weight (value - 8). */
  public static Q8Matrix q4(float[] data, int rows, int cols) {
    int groups = data.length / Q8Matrix.GROUP;
    byte[] quants = new byte[data.length];
    float[] scales = new float[groups];
    for (int g = 0; g < groups; g++) {
      int base = g * Q8Matrix.GROUP;
      float max = 0;
      for (int i = 0; i < Q8Matrix.GROUP; i++) {
        if (Math.abs(data[base + i]) > Math.abs(max)) {
          max = data[base + i];
        }
      }
      float d = Half.toFloat(Half.fromFloat(max / -8f));
      float id = d == 0 ? 0 : 1 / d;
      scales[g] = d;
      for (int i = 0; i < Q8Matrix.GROUP; i++) {
        int v = Math.min(15, (int) (data[base + i] * id + 8.5f));
        quants[base + i] = (byte) (Math.max(0, v) - 8);
      }
    }
    return new Q8Matrix(rows, cols, quants, scales);
  }
}
