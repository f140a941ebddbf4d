package dev.wasmgrid.llm;

/**
 * What quantizing x to 8 bits per block may cost a product: each value moves by at most half a
 * step, {@code amax / 254} with amax the largest magnitude in its block.
 */
public final class InputRounding {

  private InputRounding() {}

  /** The largest magnitude in the block of {@code block} values of {@code x} that holds value i. */
  public static float blockMax(float[] x, int i, int block) {
    float amax = 0;
    int from = i / block * block;
    for (int j = from; j < Math.min(x.length, from + block); j++) {
      amax = Math.max(amax, Math.abs(x[j]));
    }
    return amax;
  }
}
