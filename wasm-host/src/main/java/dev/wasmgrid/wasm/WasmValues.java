package dev.wasmgrid.wasm;

/**
 * Conversions between Java numbers and the {@code long}s that carry every wasm value through {@link
 * WasmInstance#call}: integers as themselves, floats as their raw IEEE bits.
 */
public final class WasmValues {

  private WasmValues() {}

  /** An {@code f64} argument. */
  public static long f64(double value) {
    return Double.doubleToRawLongBits(value);
  }

  /** An {@code f64} result. */
  public static double asF64(long bits) {
    return Double.longBitsToDouble(bits);
  }

  /** An {@code f32} argument. */
  public static long f32(float value) {
    return Float.floatToRawIntBits(value) & 0xffff_ffffL;
  }

  /** An {@code f32} result. */
  public static float asF32(long bits) {
    return Float.intBitsToFloat((int) bits);
  }
}
