package dev.wasmgrid.matmul.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.wasmgrid.grid.WorkerSpeed;
import java.util.List;
import org.junit.jupiter.api.Test;

class CostModelTest {
  // 1024³ f64 in 4 tiles is a 2×2 plan: A and B travel twice, C once: 5 · 1024² · 8 bytes.
  static final double BYTES = 5.0 * 1024 * 1024 * 8;
  static final double FLOPS = 2.0 * 1024 * 1024 * 1024;

  @Test
  void equalWorkersSplitWorkAndBytesEvenly() {
    WorkerSpeed.Estimate w = new WorkerSpeed.Estimate(10, 1e9, 1e-3);
    double seconds = CostModel.distributedSeconds(1024, 1024, 1024, 8, 2, List.of(w, w));
    assertThat(seconds).isCloseTo(1e-3 + BYTES / 2 / 1e9 + FLOPS / 2 / 10e9, within(1e-12));
  }

  @Test
  void aFasterWorkerTakesMoreAndTheSlowestLinkDecides() {
    WorkerSpeed.Estimate fast = new WorkerSpeed.Estimate(30, 100e6, Double.NaN);
    WorkerSpeed.Estimate slow = new WorkerSpeed.Estimate(10, 1e9, 2e-3);
    double seconds = CostModel.distributedSeconds(1024, 1024, 1024, 8, 2, List.of(fast, slow));
    double compute = FLOPS / 40e9; // both compute for the same time
    double fastWorker = 0.75 * BYTES / 100e6 + compute;
    double slowWorker = 2e-3 + 0.25 * BYTES / 1e9 + compute;
    assertThat(fastWorker).isGreaterThan(slowWorker);
    assertThat(seconds).isCloseTo(fastWorker, within(1e-12));
  }

  @Test
  void anUnmeasuredWorkerOrNoneLeavesNoPrediction() {
    WorkerSpeed.Estimate measured = new WorkerSpeed.Estimate(10, 1e9, 1e-3);
    WorkerSpeed.Estimate unmeasured = new WorkerSpeed.Estimate(10, Double.NaN, 1e-3);
    assertThat(CostModel.distributedSeconds(64, 64, 64, 8, 2, List.of(measured, unmeasured)))
        .isNaN();
    assertThat(CostModel.distributedSeconds(64, 64, 64, 8, 2, List.of())).isNaN();
  }
}
