package dev.wasmgrid.sim;

/** Distances and wrapping on a world whose edges join: right to left, top to bottom. */
final class Torus {

  final float width;
  final float height;
  private final float halfWidth;
  private final float halfHeight;

  Torus(float width, float height) {
    this.width = width;
    this.height = height;
    this.halfWidth = width / 2;
    this.halfHeight = height / 2;
  }

  /** The shortest signed x offset from {@code from} to {@code to}. */
  float dx(float from, float to) {
    float d = to - from;
    if (d > halfWidth) {
      return d - width;
    }
    return d < -halfWidth ? d + width : d;
  }

  /** The shortest signed y offset from {@code from} to {@code to}. */
  float dy(float from, float to) {
    float d = to - from;
    if (d > halfHeight) {
      return d - height;
    }
    return d < -halfHeight ? d + height : d;
  }

  float wrapX(float v) {
    return wrap(v, width);
  }

  float wrapY(float v) {
    return wrap(v, height);
  }

  /**
   * Whether {@code v} lies in [lo, lo + span) going right from {@code lo} around the world; spans
   * of the whole width or more contain everything.
   */
  boolean inStrip(float v, float lo, float span) {
    if (span >= width) {
      return true;
    }
    float rel = v - lo;
    if (rel < 0) {
      rel += width;
    } else if (rel >= width) {
      rel -= width;
    }
    return rel < span;
  }

  /** Folds a coordinate at most one world away back into [0, size). */
  private static float wrap(float v, float size) {
    if (v < 0) {
      v += size;
      // -tiny + size can round to size itself.
      return v >= size ? 0f : v;
    }
    return v >= size ? v - size : v;
  }
}
