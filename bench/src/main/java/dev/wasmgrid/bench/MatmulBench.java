package dev.wasmgrid.bench;

import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Gemm;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * {@code wasmgrid bench matmul}: GFLOP/s of square GEMMs per size, dtype, thread count and
 * implementation, plus speed-up ratios between implementations measured in the same run.
 *
 * <p>Every result is checked against the reference before it is reported: a kernel that computes
 * the wrong product gets an error line instead of a speed. The implementation named {@value
 * #REFERENCE} is trusted as the reference; without one, {@link dev.wasmgrid.matmul.ReferenceGemm}
 * computes the expected product untimed.
 */
public final class MatmulBench {

  /** Name of the implementation the others are checked against. */
  public static final String REFERENCE = "ref";

  /**
   * Size of the untimed JIT warm-up products: past one k-block of VectorGemm and not a multiple of
   * its tiles, so that C2 compiles every branch (accumulating, edge tiles) before timing starts
   * instead of deoptimizing in the middle of a cell.
   */
  private static final int WARM_UP_N = 301;

  private MatmulBench() {}

  /**
   * An implementation to measure.
   *
   * @param name short name used in output lines, e.g. {@code vector}
   * @param factory builds the kernel for a thread count; a kernel that is {@link AutoCloseable} is
   *     closed after its cell
   * @param covers the cells it runs on; it is left out of the others without an error line (a slow
   *     kernel measured on small sizes only, an f64-only one)
   */
  public record Impl(String name, IntFunction<Gemm> factory, Predicate<Cell> covers) {
    public Impl {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(factory, "factory");
      Objects.requireNonNull(covers, "covers");
    }

    /** An implementation measured on every cell. */
    public Impl(String name, IntFunction<Gemm> factory) {
      this(name, factory, cell -> true);
    }
  }

  /** A ratio line {@code ratio_<numerator>_over_<denominator>}, e.g. vector over ref. */
  public record Ratio(String numerator, String denominator) {
    public Ratio {
      Objects.requireNonNull(numerator, "numerator");
      Objects.requireNonNull(denominator, "denominator");
    }

    /** The metric name, e.g. {@code ratio_vector_over_ref}. */
    public String metric() {
      return "ratio_" + numerator + "_over_" + denominator;
    }
  }

  /**
   * What to measure.
   *
   * @param sizes n of the n × n × n products
   * @param dtypes element types
   * @param threads thread counts handed to each implementation's factory
   * @param budgetPerCell time for one (n, dtype, threads, impl): about a third warms up, the rest
   *     is timed; at least one run is timed whatever the budget
   * @param seed seed of the random operands (elements uniform in [-1, 1))
   * @param ratios ratio lines to print; one is left out unless both its implementations ran and
   *     passed the check
   */
  public record Options(
      List<Integer> sizes,
      List<Dtype> dtypes,
      List<Integer> threads,
      Duration budgetPerCell,
      long seed,
      List<Ratio> ratios) {

    public Options {
      sizes = List.copyOf(new LinkedHashSet<>(sizes));
      dtypes = List.copyOf(new LinkedHashSet<>(dtypes));
      threads = List.copyOf(new LinkedHashSet<>(threads));
      ratios = List.copyOf(ratios);
      Objects.requireNonNull(budgetPerCell, "budgetPerCell");
      if (sizes.isEmpty() || dtypes.isEmpty() || threads.isEmpty()) {
        throw new IllegalArgumentException("sizes, dtypes and threads must not be empty");
      }
      if (sizes.stream().anyMatch(n -> n < 1)) {
        throw new IllegalArgumentException("sizes must be >= 1: " + sizes);
      }
      if (threads.stream().anyMatch(t -> t < 1)) {
        throw new IllegalArgumentException("thread counts must be >= 1: " + threads);
      }
      if (budgetPerCell.isNegative()) {
        throw new IllegalArgumentException("budget must not be negative: " + budgetPerCell);
      }
    }

    /**
     * Sizes 256, 512, 1024, 2048; f64 and f32; 1 thread and every core; 1 s per cell; seed 42;
     * vector over ref and vector over blas.
     */
    public static Options defaults() {
      return new Options(
          List.of(256, 512, 1024, 2048),
          List.of(Dtype.F64, Dtype.F32),
          List.of(1, Runtime.getRuntime().availableProcessors()),
          Duration.ofSeconds(1),
          42,
          List.of(new Ratio("vector", REFERENCE), new Ratio("vector", "blas")));
    }

    /** These options with other sizes. */
    public Options withSizes(List<Integer> newSizes) {
      return new Options(newSizes, dtypes, threads, budgetPerCell, seed, ratios);
    }

    /** These options with another budget per cell. */
    public Options withBudget(Duration newBudget) {
      return new Options(sizes, dtypes, threads, newBudget, seed, ratios);
    }
  }

  /** One case: an n × n × n product in one dtype on a number of threads. */
  public record Cell(int n, Dtype dtype, int threads) {}

  /**
   * How fast one implementation was on one cell.
   *
   * @param medianSeconds median of the timed runs
   * @param runs how many runs were timed
   */
  public record Timing(double medianSeconds, int runs, double gflops) {}

  /** Where results go, as they are measured. */
  public interface Output {
    /** A checked measurement. */
    void measured(Cell cell, String impl, Timing timing);

    /** A speed-up: numerator's GFLOP/s over denominator's. */
    void ratio(Cell cell, Ratio ratio, double value);

    /** An implementation failed or computed a wrong product on this cell. */
    void error(Cell cell, String impl, String message);

    /** A human-readable note on a long run's progress. */
    void progress(String message);

    /** A readable table on {@code out}, progress on {@code progress}. */
    static Output table(PrintStream out, PrintStream progress) {
      return new MatmulTable(out, progress);
    }

    /**
     * One JSON object per line on {@code out}, progress on {@code progress}: {@code
     * {"bench":"matmul","params":{"n":1024,"dtype":"f64","threads":1,"impl":"vector"},
     * "metric":"gflops","value":52.1,"unit":"GFLOP/s"}}, ratio lines (params without impl, metric
     * {@code ratio_<a>_over_<b>}, unit {@code x}) and error lines (metric {@code error} and a
     * {@code message} instead of value and unit).
     */
    static Output jsonLines(PrintStream out, PrintStream progress) {
      return new MatmulJsonLines(out, progress);
    }
  }

  /**
   * Measures every implementation on every cell of {@code options}, reporting each cell as soon as
   * it is done.
   *
   * @throws IllegalArgumentException if two implementations share a name
   */
  public static void run(Options options, List<Impl> impls, Output output) {
    List<Impl> ordered = referenceFirst(impls);
    warmUp(options, ordered, output);
    for (int n : options.sizes()) {
      for (Dtype dtype : options.dtypes()) {
        MatmulOperands operands = MatmulOperands.random(dtype, n, options.seed());
        for (int threads : options.threads()) {
          runCell(new Cell(n, dtype, threads), operands, options, ordered, output);
        }
      }
    }
  }

  /**
   * Runs every implementation on a small product for one budget per dtype, untimed. Vector API code
   * is some 100x slower until C2 has compiled it, and a cell's own warm-up (a third of its budget)
   * is too short for that when the cell's n is small or the machine is busy.
   */
  private static void warmUp(Options options, List<Impl> impls, Output output) {
    int n = Math.min(WARM_UP_N, Collections.max(options.sizes()));
    long budgetNanos = options.budgetPerCell().toNanos();
    for (Dtype dtype : options.dtypes()) {
      MatmulOperands operands = MatmulOperands.random(dtype, n, options.seed());
      for (Impl impl : impls) {
        if (!impl.covers().test(new Cell(n, dtype, 1))) {
          continue;
        }
        output.progress("matmul warming up %s %s ...".formatted(impl.name(), dtype.wireName()));
        Gemm gemm = impl.factory().apply(1);
        try {
          long start = System.nanoTime();
          do {
            operands.multiply(gemm);
          } while (System.nanoTime() - start < budgetNanos);
        } catch (RuntimeException e) {
          // Reported by the cells, which run it again.
        } finally {
          closeIfNeeded(gemm);
        }
      }
    }
  }

  private static void runCell(
      Cell cell, MatmulOperands operands, Options options, List<Impl> impls, Output output) {
    Map<String, Double> gflops = new HashMap<>();
    for (Impl impl : impls) {
      if (!impl.covers().test(cell)) {
        continue;
      }
      output.progress(
          "matmul n=%d %s threads=%d %s ..."
              .formatted(cell.n(), cell.dtype().wireName(), cell.threads(), impl.name()));
      try {
        Timing timing = measure(impl, cell, operands, options.budgetPerCell());
        if (impl.name().equals(REFERENCE)) {
          operands.keepAsExpected();
        } else {
          String wrong = operands.checkAgainstExpected();
          if (wrong != null) {
            output.error(cell, impl.name(), "wrong result: " + wrong);
            continue;
          }
        }
        gflops.put(impl.name(), timing.gflops());
        output.measured(cell, impl.name(), timing);
      } catch (RuntimeException e) {
        output.error(cell, impl.name(), e.toString());
      }
    }
    for (Ratio ratio : options.ratios()) {
      Double top = gflops.get(ratio.numerator());
      Double bottom = gflops.get(ratio.denominator());
      if (top != null && bottom != null) {
        output.ratio(cell, ratio, top / bottom);
      }
    }
  }

  /**
   * Warm-up, then timed runs until the budget is spent. A first run that alone exceeds the budget
   * (the reference at n = 2048 takes seconds) is the only one, and is timed.
   */
  private static Timing measure(Impl impl, Cell cell, MatmulOperands operands, Duration budget) {
    Gemm gemm = impl.factory().apply(cell.threads());
    operands.poisonC();
    try {
      long budgetNanos = budget.toNanos();
      long start = System.nanoTime();
      operands.multiply(gemm);
      long first = System.nanoTime() - start;
      List<Long> times = new ArrayList<>();
      if (first >= budgetNanos) {
        times.add(first);
      } else {
        while (System.nanoTime() - start < budgetNanos / 3) {
          operands.multiply(gemm);
        }
        do {
          long t0 = System.nanoTime();
          operands.multiply(gemm);
          times.add(System.nanoTime() - t0);
        } while (System.nanoTime() - start < budgetNanos);
      }
      double median = median(times) / 1e9;
      double flops = 2.0 * cell.n() * cell.n() * cell.n();
      return new Timing(median, times.size(), flops / median / 1e9);
    } finally {
      closeIfNeeded(gemm);
    }
  }

  private static void closeIfNeeded(Gemm gemm) {
    if (gemm instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing " + gemm.name() + " failed", e);
      }
    }
  }

  private static double median(List<Long> nanos) {
    long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
  }

  private static List<Impl> referenceFirst(List<Impl> impls) {
    List<Impl> ordered = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Impl impl : impls) {
      if (names.contains(impl.name())) {
        throw new IllegalArgumentException("two implementations are named " + impl.name());
      }
      names.add(impl.name());
      if (impl.name().equals(REFERENCE)) {
        ordered.add(0, impl);
      } else {
        ordered.add(impl);
      }
    }
    return ordered;
  }
}
