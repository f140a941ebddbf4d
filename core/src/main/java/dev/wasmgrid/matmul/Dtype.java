package dev.wasmgrid.matmul;

import java.util.Locale;

/** Element type of a matrix. The wire name ({@code f64}, {@code f32}) is used in APIs and JSON. */
public enum Dtype {
  F64(8, 0x1.0p-53),
  F32(4, 0x1.0p-24);

  private final int bytes;
  private final double unitRoundoff;

  Dtype(int bytes, double unitRoundoff) {
    this.bytes = bytes;
    this.unitRoundoff = unitRoundoff;
  }

  /** Size of one element in bytes. */
  public int bytes() {
    return bytes;
  }

  /** Unit roundoff u: the relative error of one rounding to this type. */
  public double unitRoundoff() {
    return unitRoundoff;
  }

  /** The lower-case name used on the wire. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a wire name.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static Dtype parse(String text) {
    for (Dtype d : values()) {
      if (d.wireName().equalsIgnoreCase(text)) {
        return d;
      }
    }
    throw new IllegalArgumentException("dtype must be f64 or f32, got '" + text + "'");
  }
}
