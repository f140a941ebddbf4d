package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.PackedMatrix;
import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.quant.BlockCodecs;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Q8_0 and Q4_0 rows held packed (a mapped file too large to widen onto the heap) give exactly the
 * floats of the same blocks held as a {@link Q8Matrix} (the heap form and the browser's): one or
 * several threads, one vector or a batch, any row count.
 */
class WidenedBlocksTest {

  @ParameterizedTest
  @EnumSource(
      value = TensorType.class,
      names = {"Q8_0", "Q4_0"})
  void packedRowsGiveTheFloatsOfTheirQ8Matrix(TensorType type) {
    SplittableRandom r = new SplittableRandom(type.name().hashCode());
    for (int cols : new int[] {64, 768, 2048}) {
      int blocks = cols / 32;
      int rows = 45;
      int rowBytes = blocks * type.blockBytes();
      byte[] all = new byte[rows * rowBytes];
      for (int i = 0; i < rows; i++) {
        System.arraycopy(
            PackedKernelsTest.randomRow(type, blocks, r), 0, all, i * rowBytes, rowBytes);
      }
      PackedMatrix packed = new PackedMatrix(rows, cols, all, BlockCodecs.of(type));
      Q8Matrix held = heldForm(type, all, rows, cols);
      float[] decoded = new float[cols];
      for (int i = 0; i < rows; i++) {
        BlockCodecs.of(type).decode(all, i * rowBytes, decoded, 0, blocks);
        for (int c = 0; c < cols; c++) {
          int at = i * cols + c;
          assertThat(held.quants()[at] * held.scales()[at / 32]).isEqualTo(decoded[c]);
        }
      }
      int n = 7;
      float[][] xs = new float[n][];
      for (int v = 0; v < n; v++) {
        xs[v] = PackedKernelsTest.randomX(cols, r);
      }
      Products.assertEveryWayEquals(
          Products.of(1, held, xs, n), packed, xs, type + ", " + cols + " columns");
    }
  }

  /** The blocks as the loader holds them on the heap, read the plain way: f16 scale, then bytes. */
  private static Q8Matrix heldForm(TensorType type, byte[] all, int rows, int cols) {
    int blocks = rows * cols / 32;
    byte[] q = new byte[rows * cols];
    float[] scales = new float[blocks];
    for (int b = 0; b < blocks; b++) {
      int at = b * type.blockBytes();
      scales[b] = Float.float16ToFloat((short) ((all[at] & 0xff) | (all[at + 1] & 0xff) << 8));
      for (int j = 0; j < 32; j++) {
        q[32 * b + j] =
            type == TensorType.Q8_0
                ? all[at + 2 + j]
                : (byte)
                    ((j < 16 ? all[at + 2 + j] & 0x0f : (all[at + 2 + j - 16] & 0xff) >>> 4) - 8);
      }
    }
    return new Q8Matrix(rows, cols, q, scales);
  }
}
