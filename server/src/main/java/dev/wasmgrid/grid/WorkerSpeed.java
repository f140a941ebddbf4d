package dev.wasmgrid.grid;

/**
 * One worker's measured speeds as moving averages, NaN until measured: its kernel's GFLOP/s (from
 * the kernel time it reports with each tile), the bandwidth of the link to it (the tile's bytes
 * over the rest of the round trip), and the latency of a small request (the health probe's round
 * trip). Thread-safe.
 */
public final class WorkerSpeed {
  /** Weight of the newest measurement. */
  private static final double SMOOTHING = 0.3;

  /** A snapshot; NaN for what is not measured yet. */
  public record Estimate(double gflops, double bytesPerSecond, double latencySeconds) {
    /** Whether the kernel speed and the bandwidth are both known. */
    public boolean measured() {
      return !Double.isNaN(gflops) && !Double.isNaN(bytesPerSecond);
    }
  }

  private double gflops = Double.NaN;
  private double bytesPerSecond = Double.NaN;
  private double latencySeconds = Double.NaN;

  /**
   * Records a piece of work; one without a reported kernel time says nothing separable and is
   * skipped.
   */
  public synchronized void record(WorkTiming tile) {
    if (tile.kernelNanos() <= 0 || tile.nanos() <= tile.kernelNanos()) {
      return;
    }
    gflops = average(gflops, tile.flops() / tile.kernelNanos());
    double transferSeconds = (tile.nanos() - tile.kernelNanos()) / 1e9;
    bytesPerSecond = average(bytesPerSecond, tile.bytes() / transferSeconds);
  }

  /** Records the round trip of a request with no payload. */
  public synchronized void recordLatency(long nanos) {
    latencySeconds = average(latencySeconds, nanos / 1e9);
  }

  /** The speeds measured so far. */
  public synchronized Estimate estimate() {
    return new Estimate(gflops, bytesPerSecond, latencySeconds);
  }

  private static double average(double old, double sample) {
    return Double.isNaN(old) ? sample : (1 - SMOOTHING) * old + SMOOTHING * sample;
  }
}
