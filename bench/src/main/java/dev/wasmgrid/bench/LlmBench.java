package dev.wasmgrid.bench;

import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.gguf.ModelShape;
import dev.wasmgrid.llm.gguf.QuantMix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code wasmgrid bench llm}: first this machine's memory read bandwidth ({@link MemoryBandwidth},
 * {@code mem_read_gbs} per thread count); then tokens per second of the JVM fast path on the
 * llama2.c "stories" shapes with random weights, per dtype and thread count, with time to first
 * token, prompt throughput, peak resident memory, bytes read per token and the share of the read
 * bandwidth decoding reaches ({@link Roofline}); then the same on GGUF files shaped like real
 * downloads, with the time to open them. Every model, the stories shapes in every dtype (f32
 * included) too, is written as a GGUF file ({@link ShapedLlmBench}) and loaded memory-mapped as
 * {@code generate} and {@code serve --model} load it, so quantized weights are the file's packed
 * blocks, the way users run them, and llama.cpp can be measured on the very same files. As in the
 * stories checkpoints, the classifier is the token embedding. Decoding is greedy, so the number
 * measures the model, not the sampler; the end-of-sequence token is ignored so every run is the
 * same length.
 */
public final class LlmBench {

  /** The shared prefix of the prompt-cache lines, where the shape's context holds twice it. */
  private static final int PREFIX_TOKENS = 400;

  private LlmBench() {}

  /**
   * A model shape to measure.
   *
   * @param tokens tokens generated per measurement
   * @param warmUpTokens tokens generated untimed first, so the JIT has compiled the kernels
   * @param promptTokens length of the prompt whose throughput is measured ({@code pp_tok_s})
   */
  public record Shape(
      String name, LlamaConfig config, int tokens, int warmUpTokens, int promptTokens) {
    public Shape {
      Objects.requireNonNull(name, "name");
      if (tokens < 2 || warmUpTokens < 0 || tokens + 8 > config.seqLen()) {
        throw new IllegalArgumentException(
            "shape " + name + ": tokens must be in [2, seqLen - 8], warm-up >= 0");
      }
      if (promptTokens < 1 || promptTokens + 2 > config.seqLen()) {
        throw new IllegalArgumentException(
            "shape " + name + ": prompt tokens must be in [1, seqLen - 2], got " + promptTokens);
      }
    }

    /**
     * llama2.c's stories15M: dim 288, hidden 768, 6 layers, 6 heads, vocab 32000; a context of 512
     * positions where llama2.c's has 256, so that the 256-token prompt and decoding after it fit.
     */
    public static Shape stories15M() {
      return new Shape("stories15M", LlamaConfig.of(288, 768, 6, 6, 6, 32000, 512), 128, 192, 256);
    }

    /** stories110M: dim 768, hidden 2048, 12 layers, 12 heads, vocab 32000, seq 1024. */
    public static Shape stories110M() {
      return new Shape(
          "stories110M", LlamaConfig.of(768, 2048, 12, 12, 12, 32000, 1024), 48, 32, 256);
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
      return new Shape(name, config, n, warmUpTokens, promptTokens);
    }

    /** This shape with another prompt length for {@code pp_tok_s}. */
    public Shape withPromptTokens(int n) {
      return new Shape(name, config, tokens, warmUpTokens, n);
    }

    /**
     * The shape as a file: a SentencePiece vocabulary, the classifier tied to the embedding, as the
     * stories checkpoints have it.
     */
    ModelShape modelShape() {
      return new ModelShape(name, config, true, null, false, QuantMix.Q8_0);
    }
  }

  /**
   * What to measure: the memory bandwidth at every thread count, then every shape × dtype × thread
   * count, then every shaped file × mix × thread count.
   *
   * @param dtypes the type mixes the stories shapes are written in ({@code f32} is a file too)
   * @param files names of {@link ModelShape}s written as GGUF files and loaded from disk
   * @param fileTokens tokens per measurement of the files, or 0 for each shape's default
   * @param fileCache where the files are kept for the next run, or null to write them to a
   *     temporary directory and delete them after
   * @param bandwidthBytes size of the buffer read for {@code mem_read_gbs}
   */
  public record Options(
      List<Shape> shapes,
      List<QuantMix> dtypes,
      List<Integer> threads,
      long seed,
      List<String> files,
      List<QuantMix> mixes,
      int fileTokens,
      Path fileCache,
      long bandwidthBytes) {
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
      if (bandwidthBytes < 1 << 20) {
        throw new IllegalArgumentException("bandwidth buffer must be >= 1 MiB: " + bandwidthBytes);
      }
    }

    /** Stories shapes only, written to a temporary directory; the default bandwidth buffer. */
    public Options(List<Shape> shapes, List<QuantMix> dtypes, List<Integer> threads, long seed) {
      this(
          shapes,
          dtypes,
          threads,
          seed,
          List.of(),
          List.of(),
          0,
          null,
          MemoryBandwidth.DEFAULT_BYTES);
    }

    /**
     * Both stories shapes in f32, q8_0, q4_0 and q4_k_m; the llama3.2-1b, qwen2.5-0.5b and
     * smollm2-135m files in q4_k_m, q6_k and q8_0, written to a temporary directory; 1 and 2
     * threads; seed 42; a 512 MiB bandwidth buffer.
     */
    public static Options defaults() {
      return new Options(
          List.of(Shape.stories15M(), Shape.stories110M()),
          DEFAULT_DTYPES,
          List.of(1, 2),
          42,
          DEFAULT_FILES,
          List.of(QuantMix.Q4_K_M, QuantMix.Q6_K, QuantMix.Q8_0),
          0,
          null,
          MemoryBandwidth.DEFAULT_BYTES);
    }
  }

  /** The dtypes the stories shapes are measured in by default. */
  public static final List<QuantMix> DEFAULT_DTYPES =
      List.of(QuantMix.F32, QuantMix.Q8_0, QuantMix.Q4_0, QuantMix.Q4_K_M);

  /** The shaped files {@code bench llm} measures by default. */
  public static final List<String> DEFAULT_FILES =
      List.of("llama3.2-1b", "qwen2.5-0.5b", "smollm2-135m");

  /**
   * Runs every cell: {@code mem_read_gbs} per thread count; per model and dtype {@code
   * bytes_per_token}; per thread count {@code tok_s}, {@code ttft_ms}, {@code pp_tok_s} (stories
   * shapes), {@code load_ms}, {@code peak_rss_mb}, the bandwidth probed again around the cell's
   * timed runs ({@code mem_read_gbs}) and {@code roofline_fraction} against it; and {@code tok_s}
   * and {@code roofline_fraction} at {@code threads} {@code best}; then, at q8_0, each stories
   * shape's time to first token with a shared prefix cached and not ({@link PromptCacheLlmBench}).
   */
  public static void run(Options options, BenchReport report) {
    Map<Integer, Double> initial =
        MemoryBandwidth.measure(options.threads(), options.bandwidthBytes(), report);
    List<ShapedLlmBench.FileShape> stories =
        options.dtypes().isEmpty()
            ? List.of()
            : options.shapes().stream()
                .map(
                    s ->
                        new ShapedLlmBench.FileShape(
                            s.modelShape(), s.tokens(), s.warmUpTokens(), s.promptTokens()))
                .toList();
    // Where the heap has no room for the buffer beside a loaded model, the first probe serves.
    BandwidthProbe probe =
        threads ->
            MemoryBandwidth.fits(options.bandwidthBytes())
                ? MemoryBandwidth.rates(threads, options.bandwidthBytes())
                : initial;
    ShapedLlmBench.run(stories, options.dtypes(), options, probe, report);
    if (options.dtypes().contains(QuantMix.Q8_0)) {
      for (Shape shape : options.shapes()) {
        int prefix = Math.min(PREFIX_TOKENS, shape.config().seqLen() / 2);
        PromptCacheLlmBench.run(shape, options, prefix, report);
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
    ShapedLlmBench.run(
        options.mixes().isEmpty() ? List.of() : files, options.mixes(), options, probe, report);
    StreamsLlmBench.run(options, report);
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

  /** The middle of {@code values} once sorted (the upper middle of an even count). */
  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
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
