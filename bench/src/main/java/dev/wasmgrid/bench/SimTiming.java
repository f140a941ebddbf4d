package dev.wasmgrid.bench;

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;
import dev.wasmgrid.sim.Simulation;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * Per-tick wall times of a simulation run, and what the ticks cost the process.
 *
 * @param ticks ticks timed
 * @param p50Ms median tick
 * @param p99Ms 99th-percentile tick (nearest rank)
 * @param seconds total time of the timed ticks
 * @param entityUpdates entities stepped over the timed ticks (population summed over ticks)
 * @param cpuMsPerTick CPU time of the whole process (every thread, the JIT's and the collector's
 *     included) over the timed ticks, per tick
 * @param allocatedBytesPerTick heap bytes allocated by all threads over the timed ticks, per tick
 */
public record SimTiming(
    int ticks,
    double p50Ms,
    double p99Ms,
    double seconds,
    long entityUpdates,
    double cpuMsPerTick,
    double allocatedBytesPerTick) {

  /** Consecutive ticks without a compilation that end a settling warm-up. */
  static final int QUIET_TICKS = 20;

  /**
   * Steps {@code sim} {@code min} ticks, then on until the JIT has compiled nothing for {@link
   * #QUIET_TICKS} ticks in a row (at most {@code max} ticks in all), then collects garbage once;
   * returns the ticks stepped. What is timed after it is the steady state: no compilation runs
   * beside the partitions' threads (on two cores, C2 takes one of them for a while), and the
   * collection that moves the initial world out of the young generation (tens of milliseconds,
   * once) is behind it.
   */
  public static int warmUp(Simulation sim, int min, int max) {
    int done = JitSettling.run(sim::step, min, max, QUIET_TICKS, 0, Long.MAX_VALUE);
    System.gc();
    return done;
  }

  /** Entities stepped per second. */
  public double updatesPerSecond() {
    return seconds == 0 ? 0 : entityUpdates / seconds;
  }

  /**
   * Steps {@code sim} up to {@code ticks} times, stopping early once {@code budgetNanos} have
   * passed (at least one tick is always timed). {@code afterTick} hears the ticks done so far.
   */
  public static SimTiming measure(
      Simulation sim, int ticks, long budgetNanos, LongConsumer afterTick) {
    long[] nanos = new long[Math.max(ticks, 0)];
    long updates = 0;
    OperatingSystemMXBean os = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
    ThreadMXBean threads = ManagementFactory.getPlatformMXBean(ThreadMXBean.class);
    long cpu0 = os.getProcessCpuTime();
    long allocated0 = threads.getTotalThreadAllocatedBytes();
    long start = System.nanoTime();
    int done = 0;
    while (done < ticks && (done == 0 || System.nanoTime() - start < budgetNanos)) {
      updates += sim.population();
      long t0 = System.nanoTime();
      sim.step();
      nanos[done++] = System.nanoTime() - t0;
      afterTick.accept(done);
    }
    double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / done;
    double allocated = (double) (threads.getTotalThreadAllocatedBytes() - allocated0) / done;
    long[] sorted = Arrays.copyOf(nanos, done);
    Arrays.sort(sorted);
    long total = 0;
    for (long n : sorted) {
      total += n;
    }
    return new SimTiming(
        done,
        percentile(sorted, 0.50) / 1e6,
        percentile(sorted, 0.99) / 1e6,
        total / 1e9,
        updates,
        cpuMs,
        allocated);
  }

  /** The nearest-rank {@code q} quantile of {@code sorted}; NaN when it is empty. */
  static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
