package dev.wasmgrid.llm;

/**
 * IEEE 754 half-precision conversion written out by hand, so that the portable runtime does not
 * depend on {@code Float.float16ToFloat}, which the browser build's class library may lack.
 */
public final class Half {

  private Half() {}

  /** The float value of the half-precision bits {@code h}. */
  public static float toFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      // Subnormal or zero: the value is mant * 2^-24 exactly.
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }
}
