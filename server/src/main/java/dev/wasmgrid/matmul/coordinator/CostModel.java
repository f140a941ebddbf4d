package dev.wasmgrid.matmul.coordinator;

import dev.wasmgrid.grid.WorkerSpeed;
import java.util.List;

/**
 * Predicts how long a product takes split over workers, from each worker's measured kernel speed,
 * bandwidth and latency. Tiles are taken from one queue, so a worker's share of the work follows
 * its speed: every worker computes for about flops / (sum of GFLOP/s), and moves the same share of
 * the plan's bytes over its own link. The prediction is the slowest worker's latency + transfer +
 * compute. What it leaves out (the coordinator's own copying, a link shared by several workers) is
 * learnt by {@link MatmulPolicy} as the ratio of predicted to measured time.
 */
final class CostModel {
  private CostModel() {}

  /**
   * Seconds for C = A·B (A m×k, B k×n) over {@code workers}, or NaN when one of them has no
   * measurement yet or there are none.
   */
  static double distributedSeconds(
      int m,
      int k,
      int n,
      int elementBytes,
      int tilesPerWorker,
      List<WorkerSpeed.Estimate> workers) {
    if (workers.isEmpty() || !workers.stream().allMatch(WorkerSpeed.Estimate::measured)) {
      return Double.NaN;
    }
    double flops = 2.0 * m * k * n;
    double bytes = BlockPlan.of(m, k, n, workers.size() * tilesPerWorker).bytesMoved(elementBytes);
    double totalGflops = workers.stream().mapToDouble(WorkerSpeed.Estimate::gflops).sum();
    double slowest = 0;
    for (WorkerSpeed.Estimate w : workers) {
      double share = w.gflops() / totalGflops;
      double latency = Double.isNaN(w.latencySeconds()) ? 0 : w.latencySeconds();
      double seconds =
          latency + share * bytes / w.bytesPerSecond() + share * flops / (w.gflops() * 1e9);
      slowest = Math.max(slowest, seconds);
    }
    return slowest;
  }
}
