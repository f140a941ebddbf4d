package dev.wasmgrid.matmul;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * The start-up self-check that picks the matmul backend a worker uses: the fastest candidate that
 * loads and gives correct results.
 *
 * <p>For each candidate, in order: load it (a load may fail, with a reason); check it on a few
 * small products of awkward shapes, in f64 and f32, against {@link ReferenceGemm} within {@link
 * GemmAccuracy}'s bound; then time the correct ones on one mid-size f64 product. Timing is
 * round-robin over the candidates, so that a burst of load from other processes does not penalise
 * just one of them, and each candidate's best run counts. If no candidate is correct, the reference
 * kernel is chosen and the reason says so.
 *
 * <p>Operands are pseudo-random from a seed, so two runs check the same products. The whole
 * selection is pure computation: it returns what it found and logs nothing.
 */
public final class GemmSelector {

  /** Loads one backend, or says why it cannot be used in this process. */
  @FunctionalInterface
  public interface Loader {
    /**
     * Loads the backend.
     *
     * @throws GemmUnavailableException when the backend cannot be used here, with the reason
     */
    Loaded load() throws GemmUnavailableException;
  }

  /**
   * A loaded backend.
   *
   * @param detail a short note for the reason line, e.g. the native library version and CPU core
   *     ({@code OpenBLAS 0.3.31 Zen}); empty when there is nothing to say
   */
  public record Loaded(Gemm gemm, String detail) {
    public Loaded {
      Objects.requireNonNull(gemm, "gemm");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** A backend to try, under the name used in reports. */
  public record Candidate(String name, Loader loader) {
    public Candidate {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(loader, "loader");
    }
  }

  /**
   * What the self-check found about one candidate.
   *
   * @param name the candidate's name
   * @param detail the loaded backend's detail (see {@link Loaded}), empty if it did not load
   * @param loaded whether it loaded
   * @param correct whether it passed every correctness check (false if it did not load)
   * @param gflops f64 GFLOP/s on the timing problem; empty if it was not timed
   * @param rejection why it was not chosen; empty for the chosen candidate
   */
  public record CandidateReport(
      String name,
      String detail,
      boolean loaded,
      boolean correct,
      OptionalDouble gflops,
      Optional<String> rejection) {}

  /**
   * The outcome of a selection.
   *
   * @param chosen the backend to use: the fastest correct candidate, or the reference kernel when
   *     none is correct
   * @param reason one line for the start-up log saying what was chosen and why
   * @param reports one report per candidate, in the order given
   */
  public record Selection(Gemm chosen, String reason, List<CandidateReport> reports) {
    public Selection {
      reports = List.copyOf(reports);
    }
  }

  /** Correctness problems as {m, k, n}: degenerate, tiny, and shapes no SIMD width divides. */
  private static final List<int[]> CHECK_SHAPES =
      List.of(
          new int[] {1, 1, 1},
          new int[] {7, 13, 5},
          new int[] {3, 0, 4},
          new int[] {67, 33, 71},
          new int[] {129, 65, 131});

  private static final int TIMING_ROUNDS = 5;

  private final long seed;
  private final int timingSize;
  private final Duration timingBudget;

  /**
   * A selector with the default timing problem: one 256×256×256 f64 product, at most {@value
   * #TIMING_ROUNDS} timed rounds after up to 300 ms of warm-up per candidate, and no new round once
   * 300 ms have been spent timing.
   */
  public GemmSelector(long seed) {
    this(seed, 256, Duration.ofMillis(300));
  }

  /**
   * A selector timing an n×n×n f64 product ({@code timingSize} = n). After untimed warm-up runs for
   * up to {@code timingBudget} per candidate (at least one), rounds continue while fewer than
   * {@value #TIMING_ROUNDS} are done and less than {@code timingBudget} has been spent; the first
   * round always runs, so each correct candidate gets at least one timed run.
   */
  public GemmSelector(long seed, int timingSize, Duration timingBudget) {
    if (timingSize < 1) {
      throw new IllegalArgumentException("timingSize must be >= 1, got " + timingSize);
    }
    if (timingBudget.isNegative()) {
      throw new IllegalArgumentException("timingBudget must not be negative: " + timingBudget);
    }
    this.seed = seed;
    this.timingSize = timingSize;
    this.timingBudget = timingBudget;
  }

  /**
   * Loads, checks and times the candidates, and picks the fastest correct one.
   *
   * @param candidates the backends to try; names should be distinct
   * @param reference the kernel candidates are checked against, and the fallback when none is
   *     correct (normally a {@link ReferenceGemm})
   */
  public Selection select(List<Candidate> candidates, Gemm reference) {
    List<Trial> trials = new ArrayList<>();
    for (Candidate candidate : candidates) {
      Trial trial = new Trial(candidate.name());
      trials.add(trial);
      load(candidate, trial);
      if (trial.gemm != null) {
        checkCorrectness(trial, reference);
      }
    }
    time(trials);

    Optional<Trial> best =
        trials.stream()
            .filter(t -> t.correct)
            .max(Comparator.comparingDouble((Trial t) -> t.gflops.orElse(0.0)));
    for (Trial trial : trials) {
      if (trial.rejection == null && best.isPresent() && best.get() != trial) {
        trial.rejection =
            String.format(
                Locale.ROOT,
                "slower than %s (%.1f GFLOP/s)",
                best.get().name,
                best.get().gflops.orElse(0.0));
      }
    }
    List<CandidateReport> reports = trials.stream().map(Trial::report).toList();
    if (best.isEmpty()) {
      return new Selection(reference, fallbackReason(trials, reference), reports);
    }
    return new Selection(best.get().gemm, reason(best.get(), trials), reports);
  }

  /** A candidate's progress through the self-check. */
  private static final class Trial {
    final String name;
    Gemm gemm; // null until loaded
    String detail = "";
    boolean correct;
    OptionalDouble gflops = OptionalDouble.empty();
    long bestNanos = Long.MAX_VALUE;
    String rejection; // null while still in the running

    Trial(String name) {
      this.name = name;
    }

    String label() {
      return detail.isEmpty() ? name : name + " (" + detail + ")";
    }

    CandidateReport report() {
      return new CandidateReport(
          name, detail, gemm != null, correct, gflops, Optional.ofNullable(rejection));
    }
  }

  private static void load(Candidate candidate, Trial trial) {
    try {
      Loaded loaded = candidate.loader().load();
      trial.gemm = loaded.gemm();
      trial.detail = loaded.detail();
    } catch (GemmUnavailableException e) {
      trial.rejection = "failed to load: " + e.getMessage();
    } catch (RuntimeException | LinkageError e) {
      // A loader that lets a native linking error or a bug escape is unavailable all the same.
      trial.rejection = "failed to load: " + describe(e);
    }
  }

  private void checkCorrectness(Trial trial, Gemm reference) {
    try {
      long operandSeed = seed;
      for (int[] shape : CHECK_SHAPES) {
        int m = shape[0];
        int k = shape[1];
        int n = shape[2];
        double[] a = RandomMatrices.f64(m, k, operandSeed++);
        double[] b = RandomMatrices.f64(k, n, operandSeed++);
        Optional<String> failure = GemmAccuracy.check(trial.gemm, reference, m, k, n, a, b);
        if (failure.isEmpty()) {
          failure = GemmAccuracy.check(trial.gemm, reference, m, k, n, narrow(a), narrow(b));
        }
        if (failure.isPresent()) {
          trial.rejection = "wrong result: " + failure.get();
          return;
        }
      }
      trial.correct = true;
    } catch (RuntimeException | LinkageError e) {
      trial.rejection = "failed while checking: " + describe(e);
    }
  }

  private void time(List<Trial> trials) {
    int n = timingSize;
    double[] a = RandomMatrices.f64(n, n, ~seed);
    double[] b = RandomMatrices.f64(n, n, ~seed - 1);
    double[] c = new double[n * n];
    // Untimed warm-up for up to timingBudget per candidate (at least one run): JIT compilation,
    // first-touch page faults, native thread pools starting. A single run left the Vector API
    // kernel interpreted and timed at a tenth of its speed. A candidate that throws is marked
    // incorrect and skipped from then on.
    for (Trial trial : trials) {
      long until = System.nanoTime() + timingBudget.toNanos();
      while (trial.correct) {
        run(trial, a, b, c, false);
        if (System.nanoTime() >= until) {
          break;
        }
      }
    }
    long timedSince = System.nanoTime();
    for (int round = 1; round <= TIMING_ROUNDS; round++) {
      if (round > 1 && System.nanoTime() - timedSince >= timingBudget.toNanos()) {
        break;
      }
      for (Trial trial : trials) {
        if (trial.correct) {
          run(trial, a, b, c, true);
        }
      }
    }
    double flops = 2.0 * n * n * n;
    for (Trial trial : trials) {
      if (trial.correct && trial.bestNanos != Long.MAX_VALUE) {
        trial.gflops = OptionalDouble.of(flops / Math.max(1, trial.bestNanos));
      }
    }
  }

  /** One timing run; a candidate that throws is rejected. */
  private void run(Trial trial, double[] a, double[] b, double[] c, boolean timed) {
    int n = timingSize;
    try {
      long start = System.nanoTime();
      trial.gemm.multiply(n, n, n, a, b, c);
      long elapsed = System.nanoTime() - start;
      if (timed) {
        trial.bestNanos = Math.min(trial.bestNanos, elapsed);
      }
    } catch (RuntimeException | LinkageError e) {
      trial.correct = false;
      trial.rejection = "failed while timing: " + describe(e);
    }
  }

  private static String reason(Trial best, List<Trial> trials) {
    String ranking =
        trials.stream()
            .filter(t -> t.correct)
            .sorted(Comparator.comparingDouble((Trial t) -> -t.gflops.orElse(0.0)))
            .map(t -> String.format(Locale.ROOT, "%s %.1f", t.name, t.gflops.orElse(0.0)))
            .collect(Collectors.joining(", "));
    StringBuilder reason =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%s: %.1f GFLOP/s, fastest correct of %s",
                best.label(),
                best.gflops.orElse(0.0),
                ranking));
    String rejected = rejectedSummary(trials);
    if (!rejected.isEmpty()) {
      reason.append("; rejected: ").append(rejected);
    }
    return reason.toString();
  }

  private static String fallbackReason(List<Trial> trials, Gemm reference) {
    String rejected = rejectedSummary(trials);
    return "no candidate gave correct results"
        + (rejected.isEmpty() ? " (none given)" : " (" + rejected + ")")
        + "; using the reference kernel "
        + reference.name();
  }

  /**
   * "vector (wrong result: ...), gpu (failed to load: ...)" for candidates that are not correct.
   */
  private static String rejectedSummary(List<Trial> trials) {
    return trials.stream()
        .filter(t -> !t.correct)
        .map(t -> t.name + " (" + t.rejection + ")")
        .collect(Collectors.joining(", "));
  }

  private static String describe(Throwable e) {
    return e.getMessage() == null
        ? e.getClass().getName()
        : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static float[] narrow(double[] values) {
    float[] result = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = (float) values[i];
    }
    return result;
  }
}
