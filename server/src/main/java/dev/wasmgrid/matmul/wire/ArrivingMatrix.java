package dev.wasmgrid.matmul.wire;

import dev.wasmgrid.http.BodyBudget;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A matrix filled from a frame's elements as they arrive, its storage growing with them: a frame
 * header declaring 8192² f64 no longer costs 512 MiB before a byte of it has come, so clients that
 * declare large operands and send little hold little. Each growth is reserved from the request's
 * {@link BodyBudget.Lease}. The storage grows eightfold, not twofold: fresh memory is slow to touch
 * on the hosts this runs on (see docs/architecture.md), and the arrays left behind add up to a
 * seventh of the matrix rather than all of it, while a sender still holds at most eight times what
 * it sent. The last growth stops at the matrix's size, so the full storage is the matrix's without
 * a copy.
 */
final class ArrivingMatrix {
  private static final int GROWTH = 8;

  private final Dtype dtype;
  private final int rows;
  private final int cols;
  private final int elements;
  private final BodyBudget.Lease memory;
  private double[] f64 = new double[0];
  private float[] f32 = new float[0];
  private int capacity;

  /**
   * A matrix to fill; {@code inHand} says its elements are all in memory already (a body read
   * whole), so its storage takes its full size at once: growing would only copy.
   */
  ArrivingMatrix(Dtype dtype, int rows, int cols, BodyBudget.Lease memory, boolean inHand) {
    this.dtype = dtype;
    this.rows = rows;
    this.cols = cols;
    this.elements = rows * cols;
    this.memory = memory;
    if (inHand) {
      grow(elements);
    }
  }

  /** Stores the {@code count} elements of little-endian {@code view} from element {@code at}. */
  void put(ByteBuffer view, int at, int count) {
    if (at + count > capacity) {
      grow(at + count);
    }
    switch (dtype) {
      case F64 -> view.asDoubleBuffer().get(f64, at, count);
      case F32 -> view.asFloatBuffer().get(f32, at, count);
    }
  }

  private void grow(int needed) {
    int size = (int) Math.min(elements, Math.max(needed, (long) GROWTH * capacity));
    memory.reserve((long) (size - capacity) * dtype.bytes());
    switch (dtype) {
      case F64 -> f64 = Arrays.copyOf(f64, size);
      case F32 -> f32 = Arrays.copyOf(f32, size);
    }
    capacity = size;
  }

  /** The matrix, once every element has been put. */
  Matrix matrix() {
    if (capacity != elements) {
      throw new IllegalStateException(capacity + " of " + elements + " elements arrived");
    }
    return switch (dtype) {
      case F64 -> new Matrix.F64(rows, cols, f64);
      case F32 -> new Matrix.F32(rows, cols, f32);
    };
  }
}
