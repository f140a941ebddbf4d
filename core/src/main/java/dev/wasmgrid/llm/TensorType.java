package dev.wasmgrid.llm;

import java.util.Locale;

/** Element encodings of weight tensors, with their GGML type ids. */
public enum TensorType {
  F32(0, 1, 4),
  F16(1, 1, 2),
  /** 32 weights per block: an f16 scale and 32 4-bit values (offset by 8). */
  Q4_0(2, 32, 18),
  /** 32 weights per block: an f16 scale and 32 signed bytes. */
  Q8_0(8, 32, 34);

  private final int ggmlId;
  private final int blockSize;
  private final int blockBytes;

  TensorType(int ggmlId, int blockSize, int blockBytes) {
    this.ggmlId = ggmlId;
    this.blockSize = blockSize;
    this.blockBytes = blockBytes;
  }

  /** The id GGUF files use. */
  public int ggmlId() {
    return ggmlId;
  }

  /** Weights per block. */
  public int blockSize() {
    return blockSize;
  }

  /** Bytes per block. */
  public int blockBytes() {
    return blockBytes;
  }

  /** Lower-case name as used on the command line and in bench output, e.g. {@code q8_0}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Bytes that {@code elements} weights take.
   *
   * @throws ModelFormatException if the count is not a whole number of blocks or overflows
   */
  public long bytesFor(long elements) {
    if (elements % blockSize != 0) {
      throw new ModelFormatException(
          name() + " needs a multiple of " + blockSize + " elements, got " + elements);
    }
    try {
      return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    } catch (ArithmeticException e) {
      throw new ModelFormatException("tensor of " + elements + " elements is too large", e);
    }
  }

  /**
   * The type with this GGML id.
   *
   * @throws ModelFormatException naming the type when it is not one of ours
   */
  public static TensorType ofGgml(int id) {
    for (TensorType t : values()) {
      if (t.ggmlId == id) {
        return t;
      }
    }
    throw new ModelFormatException(
        "unsupported tensor type "
            + ggmlName(id)
            + " ("
            + id
            + "); supported: F32, F16, Q8_0, Q4_0");
  }

  /** Parses a wire name such as {@code f32} or {@code q8_0}. */
  public static TensorType parse(String name) {
    for (TensorType t : values()) {
      if (t.wireName().equals(name.toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown dtype '" + name + "'; known: f32, f16, q8_0, q4_0");
  }

  private static String ggmlName(int id) {
    return switch (id) {
      case 3 -> "Q4_1";
      case 6 -> "Q5_0";
      case 7 -> "Q5_1";
      case 9 -> "Q8_1";
      case 10 -> "Q2_K";
      case 11 -> "Q3_K";
      case 12 -> "Q4_K";
      case 13 -> "Q5_K";
      case 14 -> "Q6_K";
      case 15 -> "Q8_K";
      case 30 -> "BF16";
      default -> "#" + id;
    };
  }
}
