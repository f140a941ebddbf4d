package dev.wasmgrid.llm.gguf;

import dev.wasmgrid.llm.TensorType;
import java.util.List;

/**
 * A tensor's entry in a GGUF file.
 *
 * @param dims sizes, innermost first (GGML order: a matrix of r rows and c columns is [c, r])
 * @param offset absolute offset of its data in the file
 * @param bytes length of its data
 */
public record GgufTensor(String name, List<Long> dims, TensorType type, long offset, long bytes) {

  public GgufTensor {
    dims = List.copyOf(dims);
  }

  /** Number of elements. */
  public long elements() {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }
}
