package dev.wasmgrid.matmul.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BlockPlanTest {

  @ParameterizedTest(name = "{0}x{1}x{2} in {3}")
  @CsvSource({
    "4096, 4096, 4096, 4",
    "1000, 300, 700, 4",
    "997, 13, 1009, 6",
    "64, 64, 64, 8",
    "100, 5000, 9000, 4",
    "9000, 5000, 100, 4",
    "130, 7, 129, 1"
  })
  void tilesCoverCExactlyOnce(int m, int k, int n, int blocks) {
    BlockPlan plan = BlockPlan.of(m, k, n, blocks);
    List<BlockPlan.Block> tiles = plan.blocks();
    assertThat(tiles).hasSizeLessThanOrEqualTo(blocks).hasSize(plan.rowBands() * plan.colBands());
    int[] covered = new int[m * n];
    for (BlockPlan.Block t : tiles) {
      assertThat(t.rows()).isPositive();
      assertThat(t.cols()).isPositive();
      for (int i = t.row0(); i < t.row1(); i++) {
        for (int j = t.col0(); j < t.col1(); j++) {
          covered[i * n + j]++;
        }
      }
    }
    assertThat(covered).containsOnly(1);
  }

  @ParameterizedTest(name = "{0}x{1}x{2} in {3}: {4}x{5}")
  @CsvSource({
    // Square: the squarest grid moves the fewest bytes.
    "4096, 4096, 4096, 4, 2, 2",
    // A tall A is cheap to cut into row bands (B, small, travels once per band).
    "9000, 5000, 100, 4, 4, 1",
    // A wide B: column bands.
    "100, 5000, 9000, 4, 1, 4",
    // Too small to split: per-request overhead would dominate.
    "64, 64, 64, 8, 1, 1",
    // As many tiles as fit even if they cannot all be square.
    "4096, 4096, 4096, 2, 1, 2"
  })
  void gridMinimisesBytesMoved(int m, int k, int n, int blocks, int p, int q) {
    BlockPlan plan = BlockPlan.of(m, k, n, blocks);
    assertThat(plan.rowBands()).isEqualTo(p);
    assertThat(plan.colBands()).isEqualTo(q);
    assertThat(plan.bytesMoved(8))
        .isEqualTo(((long) q * m * k + (long) p * k * n + (long) m * n) * 8);
  }
}
