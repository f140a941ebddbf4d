package dev.wasmgrid.llm.quant;

/**
 * The 12 scale bytes of Q4_K and Q5_K: eight 6-bit scales and eight 6-bit minimums, one pair per
 * 32-weight sub-block. Pairs 0..3 sit in the low 6 bits of bytes 0..3 (scales) and 4..7 (minimums);
 * pairs 4..7 take their low 4 bits from the nibbles of bytes 8..11 and their top 2 bits from the
 * spare top bits of bytes 0..7.
 */
public final class KScales {

  private KScales() {}

  /** Scale of sub-block {@code j} of the scale bytes at {@code s[at]}. */
  public static int scale(byte[] s, int at, int j) {
    if (j < 4) {
      return s[at + j] & 63;
    }
    return (s[at + j + 4] & 0x0f) | ((s[at + j - 4] & 0xff) >>> 6) << 4;
  }

  /** Minimum of sub-block {@code j} of the scale bytes at {@code s[at]}. */
  public static int min(byte[] s, int at, int j) {
    if (j < 4) {
      return s[at + j + 4] & 63;
    }
    return ((s[at + j + 4] & 0xff) >>> 4) | ((s[at + j] & 0xff) >>> 6) << 4;
  }
}
