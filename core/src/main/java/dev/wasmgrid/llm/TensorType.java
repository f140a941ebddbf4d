package dev.wasmgrid.llm;

import java.util.Locale;

/**
 * Element encodings of weight tensors, with their GGML type ids and block geometry. Every type here
 * can be read and computed with; {@link #writable()} says which ones the project's own writers and
 * {@link Quantizer} also produce. Block layouts are described in {@code dev.wasmgrid.llm.quant}.
 */
public enum TensorType {
  F32(0, 1, 4),
  F16(1, 1, 2),
  /** 32 weights per block: an f16 scale and 32 4-bit values (offset by 8). */
  Q4_0(2, 32, 18),
  /** 32 weights per block: f16 scale and minimum, 32 4-bit values. */
  Q4_1(3, 32, 20),
  /** 32 weights per block: an f16 scale, 32 5-bit values (offset by 16). */
  Q5_0(6, 32, 22),
  /** 32 weights per block: f16 scale and minimum, 32 5-bit values. */
  Q5_1(7, 32, 24),
  /** 32 weights per block: an f16 scale and 32 signed bytes. */
  Q8_0(8, 32, 34),
  /** 256 weights per super-block: 16 sub-blocks with 4-bit scales and minimums, 2-bit values. */
  Q2_K(10, 256, 84),
  /** 256 weights per super-block: 16 sub-blocks with 6-bit scales, 3-bit values. */
  Q3_K(11, 256, 110),
  /** 256 weights per super-block: 8 sub-blocks with 6-bit scales and minimums, 4-bit values. */
  Q4_K(12, 256, 144),
  /** 256 weights per super-block: 8 sub-blocks with 6-bit scales and minimums, 5-bit values. */
  Q5_K(13, 256, 176),
  /** 256 weights per super-block: 16 sub-blocks with 8-bit scales, 6-bit values. */
  Q6_K(14, 256, 210),
  /** 32 weights per block: an f16 scale and 32 4-bit indices into a fixed non-linear table. */
  IQ4_NL(20, 32, 18),
  /** 256 weights per super-block: 8 sub-blocks with 6-bit scales, IQ4_NL's 4-bit indices. */
  IQ4_XS(23, 256, 136),
  /** The upper half of an F32: 8 exponent bits, 7 mantissa bits. */
  BF16(30, 1, 2);

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

  /** Whether the writers and {@link FloatWeights#encode} produce this type (not only read it). */
  public boolean writable() {
    return this == F32 || this == F16 || this == Q8_0 || this == Q4_0;
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
   * @throws ModelFormatException naming the type when it is not one of ours, and saying so when the
   *     id is not a GGML type at all
   */
  public static TensorType ofGgml(int id) {
    for (TensorType t : values()) {
      if (t.ggmlId == id) {
        return t;
      }
    }
    String name = GgmlTypeNames.name(id);
    if (name == null) {
      throw new ModelFormatException(
          "unknown tensor type id "
              + id
              + " (GGML types are 0 to "
              + (GgmlTypeNames.COUNT - 1)
              + ")");
    }
    throw new ModelFormatException(
        "unsupported tensor type " + name + " (" + id + "); supported: " + supportedNames());
  }

  /** Parses a wire name of a {@link #writable()} type, such as {@code f32} or {@code q8_0}. */
  public static TensorType parse(String name) {
    for (TensorType t : values()) {
      if (t.writable() && t.wireName().equals(name.toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown dtype '" + name + "'; known: f32, f16, q8_0, q4_0");
  }

  private static String supportedNames() {
    StringBuilder s = new StringBuilder();
    for (TensorType t : values()) {
      s.append(s.isEmpty() ? "" : ", ").append(t.name());
    }
    return s.toString();
  }
}
