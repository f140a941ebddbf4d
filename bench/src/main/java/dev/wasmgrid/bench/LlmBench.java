package dev.wasmgrid.bench;

import dev.wasmgrid.llm.F32Matrix;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.GenerationStats;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TinyModels;
import dev.wasmgrid.llm.gguf.ModelShape;
import dev.wasmgrid.llm.gguf.QuantMix;
import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code wasmgrid bench llm}: tokens per second of the JVM fast path on the llama2.c "stories"
 * shapes with random weights (generated in memory), per dtype and thread count, with time to first
 * token and the process's peak resident memory; then on GGUF files shaped like real downloads
 * ({@link ShapedLlmBench}), with the time to open them. As in the stories checkpoints, the
 * classifier is the token embedding. Decoding is greedy, so the number measures the model, not the
 * sampler; the end-of-sequence token is ignored so every run is the same length.
 */
public final class LlmBench {

  private static final String PROMPT = "Once upon a time";

  private LlmBench() {}

  /**
   * A model shape to measure.
   *
   * @param tokens tokens generated per measurement
   * @param warmUpTokens tokens generated untimed first, so the JIT has compiled the kernels
   */
  public record Shape(String name, LlamaConfig config, int tokens, int warmUpTokens) {
    public Shape {
      Objects.requireNonNull(name, "name");
      if (tokens < 2 || warmUpTokens < 0 || tokens + 8 > config.seqLen()) {
        throw new IllegalArgumentException(
            "shape " + name + ": tokens must be in [2, seqLen - 8], warm-up >= 0");
      }
    }

    /** llama2.c's stories15M: dim 288, hidden 768, 6 layers, 6 heads, vocab 32000, seq 256. */
    public static Shape stories15M() {
      return new Shape("stories15M", LlamaConfig.of(288, 768, 6, 6, 6, 32000, 256), 128, 192);
    }

    /** stories110M: dim 768, hidden 2048, 12 layers, 12 heads, vocab 32000, seq 1024. */
    public static Shape stories110M() {
      return new Shape("stories110M", LlamaConfig.of(768, 2048, 12, 12, 12, 32000, 1024), 48, 32);
    }

    /** The shape named {@code name}. */
    public static Shape parse(String name) {
      return switch (name) {
        case "stories15M" -> stories15M();
        case "stories110M" -> stories110M();
        default ->
            throw new IllegalArgumentException(
                "unknown shape '" + name + "'; known: stories15M, stories110M");
      };
    }

    /** This shape with another token count per measurement. */
    public Shape withTokens(int n) {
      return new Shape(name, config, n, warmUpTokens);
    }
  }

  /**
   * What to measure: every shape × dtype × thread count, then every shaped file × mix × thread
   * count.
   *
   * @param files names of {@link ModelShape}s written as GGUF files and loaded from disk
   * @param fileTokens tokens per measurement of the files, or 0 for each shape's default
   * @param fileCache where the files are kept for the next run, or null to write them to a
   *     temporary directory and delete them after
   */
  public record Options(
      List<Shape> shapes,
      List<TensorType> dtypes,
      List<Integer> threads,
      long seed,
      List<String> files,
      List<QuantMix> mixes,
      int fileTokens,
      Path fileCache) {
    public Options {
      shapes = List.copyOf(shapes);
      dtypes = List.copyOf(dtypes);
      threads = List.copyOf(threads);
      files = List.copyOf(files);
      mixes = List.copyOf(mixes);
      boolean nothing =
          (shapes.isEmpty() || dtypes.isEmpty()) && (files.isEmpty() || mixes.isEmpty());
      if (nothing || threads.isEmpty()) {
        throw new IllegalArgumentException(
            "threads, and shapes and dtypes or files and mixes, must not be empty");
      }
      files.forEach(ModelShape::parse);
      if (threads.stream().anyMatch(t -> t < 1)) {
        throw new IllegalArgumentException("thread counts must be >= 1: " + threads);
      }
    }

    /** In-memory shapes only. */
    public Options(List<Shape> shapes, List<TensorType> dtypes, List<Integer> threads, long seed) {
      this(shapes, dtypes, threads, seed, List.of(), List.of(), 0, null);
    }

    /**
     * Both stories shapes, f32 and q8_0; the llama3.2-1b, qwen2.5-0.5b and smollm2-135m files in
     * q4_k_m, q6_k and q8_0, written to a temporary directory; 1 and 2 threads; seed 42.
     */
    public static Options defaults() {
      return new Options(
          List.of(Shape.stories15M(), Shape.stories110M()),
          List.of(TensorType.F32, TensorType.Q8_0),
          List.of(1, 2),
          42,
          DEFAULT_FILES,
          List.of(QuantMix.Q4_K_M, QuantMix.Q6_K, QuantMix.Q8_0),
          0,
          null);
    }
  }

  /** The shaped files {@code bench llm} measures by default. */
  public static final List<String> DEFAULT_FILES =
      List.of("llama3.2-1b", "qwen2.5-0.5b", "smollm2-135m");

  /** Runs every cell, reporting {@code tok_s}, {@code ttft_ms} and {@code peak_rss_mb} for each. */
  public static void run(Options options, BenchReport report) {
    streamRate(report);
    for (Shape shape : options.shapes()) {
      for (TensorType dtype : options.dtypes()) {
        report.progress(
            "llm: building %s %s with random weights ..."
                .formatted(shape.name(), dtype.wireName()));
        Model model = TinyModels.model(shape.config(), dtype, options.seed(), true);
        for (int threads : options.threads()) {
          measure(shape, dtype, threads, model, report);
        }
      }
    }
    List<ShapedLlmBench.FileShape> files =
        options.files().stream()
            .map(ShapedLlmBench.FileShape::parse)
            .map(
                f ->
                    options.fileTokens() > 0
                        ? new ShapedLlmBench.FileShape(
                            f.shape(), options.fileTokens(), f.warmUpTokens())
                        : f)
            .toList();
    ShapedLlmBench.run(files, options.mixes(), options, report);
    StreamsLlmBench.run(options, report);
  }

  /**
   * Prints how fast one thread streams a 64 MiB F32 matrix through the fast path's kernel now: an
   * F32 token reads every weight once, so weight bytes / this rate bounds tokens/s on a machine
   * whose memory bandwidth is shared with whatever else runs.
   */
  private static void streamRate(BenchReport report) {
    int rows = 16384;
    int cols = 1024;
    float[] data = new float[rows * cols];
    java.util.Arrays.fill(data, 0.5f);
    F32Matrix m = new F32Matrix(rows, cols, data);
    float[] x = new float[cols];
    float[] out = new float[rows];
    try (VectorCompute c = new VectorCompute(1)) {
      long best = Long.MAX_VALUE;
      for (int i = 0; i < 30; i++) {
        long t0 = System.nanoTime();
        c.matvec(m, x, out);
        best = Math.min(best, System.nanoTime() - t0);
      }
      double gbs = 4.0 * data.length / best;
      LlamaConfig s15 = Shape.stories15M().config();
      double bytes15 =
          4.0
              * ((long) s15.vocabSize() * s15.dim()
                  + s15.layers() * (4L * s15.dim() * s15.dim() + 3L * s15.dim() * s15.hiddenDim()));
      report.progress(
          "llm: one thread streams F32 weights at %.1f GB/s now (best of 30 x 64 MiB): stories15M"
                  .formatted(gbs)
              + " f32 cannot pass %.0f tok/s at that rate".formatted(gbs * 1e9 / bytes15));
    }
  }

  private static void measure(
      Shape shape, TensorType dtype, int threads, Model model, BenchReport report) {
    report.progress(
        "llm: %s %s threads=%d: %d tokens warm-up, %d timed ..."
            .formatted(
                shape.name(), dtype.wireName(), threads, shape.warmUpTokens(), shape.tokens()));
    GenerationConfig cfg = GenerationConfig.greedy(shape.tokens()).withIgnoreEos(true);
    try (LanguageModel lm = new LanguageModel(model, new VectorCompute(threads))) {
      if (shape.warmUpTokens() > 0) {
        lm.generate(PROMPT, cfg.withMaxTokens(shape.warmUpTokens()));
      }
      System.gc();
      boolean reset = resetPeakRss();
      ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
      long cpuStart = cpu.getCurrentThreadCpuTime();
      GenerationStats stats = lm.generate(PROMPT, cfg).stats();
      double cpuSeconds = (cpu.getCurrentThreadCpuTime() - cpuStart) / 1e9;
      if (threads == 1 && cpuSeconds > 0) {
        // On a shared machine wall-clock rates fall with other load; tokens per CPU-second of
        // the one generating thread show what the code does when it has the core (the prompt's
        // passes included, so slightly low).
        report.progress(
            "llm: %s %s threads=1: %.1f tok per CPU-second (wall: %.1f tok/s)"
                .formatted(
                    shape.name(),
                    dtype.wireName(),
                    (stats.tokens() + stats.promptTokens()) / cpuSeconds,
                    stats.tokensPerSecond()));
      }
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("shape", shape.name());
      params.put("dtype", dtype.wireName());
      params.put("threads", threads);
      report.metric("llm", params, "tok_s", stats.tokensPerSecond(), "tok/s");
      report.metric("llm", params, "ttft_ms", stats.timeToFirstTokenMs(), "ms");
      double rss = peakRssMb();
      if (rss > 0) {
        report.metric("llm", params, "peak_rss_mb", rss, "MB");
      }
      if (!reset) {
        report.progress("llm: peak RSS could not be reset, so it is the process's peak so far");
      }
    }
  }

  /** Resets the kernel's VmHWM to the current RSS (Linux: 5 into clear_refs); false if refused. */
  static boolean resetPeakRss() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }

  /** VmHWM of /proc/self/status in MB, or -1 where there is none (not Linux). */
  static double peakRssMb() {
    return statusMb("VmHWM:");
  }

  /** VmRSS of /proc/self/status in MB, or -1 where there is none. */
  static double currentRssMb() {
    return statusMb("VmRSS:");
  }

  private static double statusMb(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
        if (line.startsWith(field)) {
          String kb = line.substring(field.length()).replace("kB", "").trim();
          return Long.parseLong(kb) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
