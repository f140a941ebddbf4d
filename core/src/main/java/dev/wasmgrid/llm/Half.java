package dev.wasmgrid.llm;

/**
 * IEEE 754 half-precision conversion written out by hand, so that the portable runtime does not
 * depend on {@code Float.float16ToFloat} and {@code Float.floatToFloat16}, which the browser
 * build's class library lacks.
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

  /**
   * The half-precision bits nearest to {@code f} (ties to even), bit for bit what {@code
   * Float.floatToFloat16} returns (a NaN stays a NaN).
   */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    if (Float.isNaN(f)) {
      return (short)
          (sign
              | 0x7c00
              | (bits & 0x007f_e000) >> 13
              | (bits & 0x0000_1ff0) >> 4
              | (bits & 0x0000_000f));
    }
    float abs = Math.abs(f);
    // Half's largest finite value plus half an ulp and above round to infinity.
    if (abs >= 0x1.ffcp15f + 0x0.002p15f) {
      return (short) (sign | 0x7c00);
    }
    // Half the smallest subnormal and below round to zero (float subnormals included).
    if (abs <= 0x1.0p-25f) {
      return (short) sign;
    }
    int exp = ((bits >>> 23) & 0xff) - 127;
    int shift = 13;
    int msb = 0;
    if (exp < -14) {
      // A half subnormal: the hidden bit becomes explicit and the significand shifts further.
      shift += -14 - exp;
      exp = -15;
      msb = 0x0080_0000;
    }
    int significand = (bits & 0x007f_ffff) | msb;
    int half = significand >> shift;
    int lsb = significand & (1 << shift);
    int round = significand & (1 << (shift - 1));
    int sticky = significand & ((1 << (shift - 1)) - 1);
    if (round != 0 && (lsb | sticky) != 0) {
      half++;
    }
    // A carry out of the significand moves into the exponent, as it should.
    return (short) (sign | (((exp + 15) << 10) + half));
  }
}
