package dev.wasmgrid.bench;

import dev.wasmgrid.llm.Generation;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.GenerationStats;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.gguf.ModelShape;
import dev.wasmgrid.llm.gguf.QuantMix;
import dev.wasmgrid.llm.gguf.ShapedModels;
import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code bench llm}'s lines for GGUF files shaped like real downloads ({@link ModelShape}) in
 * llama-quantize's mixes: each file is written with random weights (to a cache directory, where the
 * next run finds it, or to a temporary directory deleted after), then opened as {@code generate}
 * and {@code serve --model} open it (memory-mapped), timed ({@code load_ms}, with the file in the
 * page cache as it is just written or read), and decoded. {@code peak_rss_mb} is the process's peak
 * resident memory from just before the load to the end of the line's decoding. Each (shape, mix)
 * also gets {@code bytes_per_token} and, per thread count and for the best one ({@code threads}
 * {@code best}), {@code roofline_fraction} ({@link Roofline}); shapes with a prompt length get
 * {@code pp_tok_s}, prompt tokens per second. {@code tok_s} decodes greedily, as llama.cpp's and
 * llama2.c's figures do; {@code sampled_tok_s} as a request does by default (temperature 0.8, top-p
 * 0.9), the sampler's softmax over the vocabulary and nucleus included.
 */
final class ShapedLlmBench {

  private static final String PROMPT = "Once upon a time";

  /** Timed generations, and timed prompts, per cell and thread count; the median is reported. */
  private static final int DECODE_RUNS = 3;

  private ShapedLlmBench() {}

  /**
   * A shaped file to measure.
   *
   * @param tokens tokens generated per measurement
   * @param warmUpTokens tokens generated untimed first
   * @param promptTokens length of the prompt whose throughput ({@code pp_tok_s}) is measured, or 0
   *     for none
   */
  record FileShape(ModelShape shape, int tokens, int warmUpTokens, int promptTokens) {
    FileShape {
      Objects.requireNonNull(shape, "shape");
      if (tokens < 2 || warmUpTokens < 0 || promptTokens < 0) {
        throw new IllegalArgumentException(
            "shape " + shape.name() + ": tokens must be >= 2, warm-up and prompt >= 0");
      }
    }

    /** A shaped file measured without the prompt throughput. */
    FileShape(ModelShape shape, int tokens, int warmUpTokens) {
      this(shape, tokens, warmUpTokens, 0);
    }

    /** The file shape named {@code name}, with its default token counts. */
    static FileShape parse(String name) {
      ModelShape s = ModelShape.parse(name);
      long params = (long) s.config().layers() * s.config().dim() * s.config().hiddenDim();
      // About a second of decoding per measurement on a small machine, whatever the size.
      return params > 100_000_000L ? new FileShape(s, 16, 8) : new FileShape(s, 32, 16);
    }
  }

  /**
   * Writes (or finds in the cache) each shape in each mix, loads and measures it.
   *
   * @param probe the read bandwidth, probed before and after each file's decoding for its {@code
   *     mem_read_gbs} and {@code roofline_fraction} lines
   */
  static void run(
      List<FileShape> shapes,
      List<QuantMix> mixes,
      LlmBench.Options options,
      BandwidthProbe probe,
      BenchReport report) {
    for (FileShape shape : shapes) {
      for (QuantMix mix : mixes) {
        withFile(
            shape.shape(),
            mix,
            options,
            report,
            file -> measure(shape, mix, file, options.threads(), probe, report));
      }
    }
  }

  /** Work on a model file. */
  @FunctionalInterface
  interface FileUse {
    void accept(Path file) throws IOException;
  }

  /**
   * Runs {@code use} on the file of {@code shape} in {@code mix} with random weights of {@code
   * options.seed()}: from {@code options.fileCache()}, else written there; without a cache, written
   * to a temporary directory and deleted after.
   */
  static void withFile(
      ModelShape shape, QuantMix mix, LlmBench.Options options, BenchReport report, FileUse use) {
    try {
      Path cache = options.fileCache();
      Path dir =
          cache != null
              ? Files.createDirectories(cache)
              : Files.createTempDirectory("wasmgrid-bench-llm-");
      Path file = dir.resolve(fileName(shape, mix, options.seed()));
      try {
        if (cache != null && Files.isRegularFile(file)) {
          report.progress("llm: %s (%.0f MB) from the cache".formatted(file, size(file)));
        } else {
          write(shape, mix, options.seed(), file, report);
        }
        use.accept(file);
      } finally {
        if (cache == null) {
          Files.deleteIfExists(file);
          Files.delete(dir);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The file's name: shape, mix, seed and the writer's {@link ShapedModels#VERSION}, so that a
   * cached file is always the one this build would write.
   */
  static String fileName(ModelShape shape, QuantMix mix, long seed) {
    return "%s-%s-seed%d-v%d.gguf"
        .formatted(shape.name(), mix.wireName(), seed, ShapedModels.VERSION);
  }

  private static double size(Path file) throws IOException {
    return Files.size(file) / 1e6;
  }

  private static void write(
      ModelShape shape, QuantMix mix, long seed, Path file, BenchReport report) throws IOException {
    report.progress(
        "llm: writing %s %s with random weights to %s ..."
            .formatted(shape.name(), mix.wireName(), file));
    long t0 = System.nanoTime();
    // Written beside its name and moved there whole: an interrupted run leaves no half file to
    // be taken for a cached one.
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 20)) {
      ShapedModels.write(shape, mix, seed, o);
    }
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    report.progress(
        "llm: %s %s: %.0f MB written in %.1f s"
            .formatted(shape.name(), mix.wireName(), size(file), (System.nanoTime() - t0) / 1e9));
  }

  private static void measure(
      FileShape shape,
      QuantMix mix,
      Path file,
      List<Integer> threadCounts,
      BandwidthProbe probe,
      BenchReport report)
      throws IOException {
    System.gc();
    boolean reset = LlmBench.resetPeakRss();
    double before = LlmBench.peakRssMb();
    long t0 = System.nanoTime();
    Model model = ModelFiles.load(file, null);
    double loadMs = (System.nanoTime() - t0) / 1e6;
    // The files declare contexts of up to 128k positions; the KV cache needs only this run's.
    int decodeContext = PROMPT.length() + shape.tokens() + shape.warmUpTokens() + 8;
    model = model.withContext(Math.max(decodeContext, shape.promptTokens() + 2));
    report.progress(
        "llm: %s %s: loaded in %.0f ms; resident %.0f MB before, %.0f MB after"
            .formatted(
                shape.shape().name(), mix.wireName(), loadMs, before, LlmBench.currentRssMb()));
    if (!reset) {
      report.progress("llm: peak RSS could not be reset, so it is the process's peak so far");
    }
    Map<String, Object> cellParams = new LinkedHashMap<>();
    cellParams.put("shape", shape.shape().name());
    cellParams.put("dtype", mix.wireName());
    double bytesPerToken = 0;
    Map<Integer, Double> rates = new LinkedHashMap<>();
    GenerationConfig cfg = GenerationConfig.greedy(shape.tokens()).withIgnoreEos(true);
    // As a request asks by default: temperature 0.8, top-p 0.9 (the sampler's own cost included).
    GenerationConfig sampledCfg =
        GenerationConfig.defaults().withMaxTokens(shape.tokens()).withIgnoreEos(true);
    Map<Integer, Double> bandwidth = new LinkedHashMap<>();
    List<LanguageModel> models = new ArrayList<>();
    try {
      for (int threads : threadCounts) {
        report.progress(
            "llm: %s %s threads=%d: warm-up of %d tokens until the JIT settles ..."
                .formatted(shape.shape().name(), mix.wireName(), threads, shape.warmUpTokens()));
        LanguageModel lm = new LanguageModel(model, new VectorCompute(threads));
        models.add(lm);
        if (shape.warmUpTokens() > 0) {
          GenerationConfig warm = cfg.withMaxTokens(shape.warmUpTokens());
          JitSettling.generations(() -> lm.generate(PROMPT, warm));
        }
      }
      report.progress(
          "llm: %s %s: %d tokens timed %d times per thread count, greedy then sampled, taking turns%s ..."
              .formatted(
                  shape.shape().name(),
                  mix.wireName(),
                  shape.tokens(),
                  DECODE_RUNS,
                  shape.promptTokens() > 0
                      ? ", then a %d-token prompt each".formatted(shape.promptTokens())
                      : ""));
      // Probed right before and after (the higher), as the host's speed drifts within minutes: a
      // probe at the start of the run put one thread's decoding at 1.17-1.28 of the bandwidth.
      bandwidth.putAll(probe.rates(threadCounts));
      List<GenerationStats> medians = medianRuns(models, cfg);
      List<GenerationStats> sampled = medianRuns(models, sampledCfg);
      probe.rates(threadCounts).forEach((threads, gbs) -> bandwidth.merge(threads, gbs, Math::max));
      for (int i = 0; i < models.size(); i++) {
        int threads = threadCounts.get(i);
        GenerationStats stats = medians.get(i);
        bytesPerToken =
            Roofline.bytesPerToken(
                model, models.get(i).kvValueBytes(), stats.promptTokens(), stats.tokens());
        rates.put(threads, stats.tokensPerSecond());
        Map<String, Object> params = new LinkedHashMap<>(cellParams);
        params.put("threads", threads);
        report.metric("llm", params, "tok_s", stats.tokensPerSecond(), "tok/s");
        report.metric("llm", params, "sampled_tok_s", sampled.get(i).tokensPerSecond(), "tok/s");
        report.metric("llm", params, "ttft_ms", stats.timeToFirstTokenMs(), "ms");
        if (shape.promptTokens() > 0) {
          report.metric(
              "llm", params, "pp_tok_s", promptRate(models.get(i), shape.promptTokens()), "tok/s");
        }
        report.metric("llm", params, "load_ms", loadMs, "ms");
        double rss = LlmBench.peakRssMb();
        if (rss > 0) {
          report.metric("llm", params, "peak_rss_mb", rss, "MB");
        }
        Double gbs = bandwidth.get(threads);
        if (gbs != null) {
          report.metric("llm", params, "mem_read_gbs", gbs, "GB/s");
          report.metric(
              "llm",
              params,
              "roofline_fraction",
              Roofline.fraction(stats.tokensPerSecond(), bytesPerToken, gbs),
              "ratio");
        }
      }
    } finally {
      for (LanguageModel lm : models) {
        lm.close();
      }
    }
    report.metric("llm", cellParams, "bytes_per_token", bytesPerToken, "B");
    best(cellParams, rates, bytesPerToken, bandwidth, report);
  }

  /**
   * The {@code threads} {@code best} lines: the highest {@code tok_s} of the thread counts, and the
   * {@code roofline_fraction} at that thread count (against its own thread count's bandwidth).
   */
  private static void best(
      Map<String, Object> cellParams,
      Map<Integer, Double> rates,
      double bytesPerToken,
      Map<Integer, Double> bandwidth,
      BenchReport report) {
    int bestThreads = -1;
    for (Map.Entry<Integer, Double> e : rates.entrySet()) {
      if (bestThreads < 0 || e.getValue() > rates.get(bestThreads)) {
        bestThreads = e.getKey();
      }
    }
    if (bestThreads < 0) {
      return;
    }
    Map<String, Object> params = new LinkedHashMap<>(cellParams);
    params.put("threads", "best");
    double tokS = rates.get(bestThreads);
    report.metric("llm", params, "tok_s", tokS, "tok/s");
    Double gbs = bandwidth.get(bestThreads);
    if (gbs != null) {
      report.metric(
          "llm", params, "roofline_fraction", Roofline.fraction(tokS, bytesPerToken, gbs), "ratio");
    }
  }

  /**
   * For each model, the run of median {@code tok_s} among {@value #DECODE_RUNS} generations of
   * {@code cfg}: a run of a fraction of a second on a shared machine is easily hit by a compilation
   * or another process, and one such hit would otherwise decide a cell. The models take turns, one
   * generation each, so that the thread counts they are compared at see the same spells of the
   * machine: measured one count after the other, minutes apart, stories15M's two threads came out
   * slower than one in one run and 1.9 times as fast in another (the host's speed drifting ±30 %
   * within the hour).
   */
  private static List<GenerationStats> medianRuns(
      List<LanguageModel> models, GenerationConfig cfg) {
    List<List<GenerationStats>> runs = new ArrayList<>();
    for (int m = 0; m < models.size(); m++) {
      runs.add(new ArrayList<>());
    }
    for (int i = 0; i < DECODE_RUNS; i++) {
      for (int m = 0; m < models.size(); m++) {
        runs.get(m).add(models.get(m).generate(PROMPT, cfg).stats());
      }
    }
    List<GenerationStats> medians = new ArrayList<>();
    for (List<GenerationStats> r : runs) {
      r.sort(Comparator.comparingDouble(GenerationStats::tokensPerSecond));
      medians.add(r.get(DECODE_RUNS / 2));
    }
    return medians;
  }

  /**
   * Prompt tokens per second: a prompt of {@code length} tokens (the beginning of sequence, then
   * {@link #PROMPT}'s tokens over and over) divided by its time to first token, the median of
   * {@link #DECODE_RUNS} after one untimed prompt of the same length. One timed prompt right after
   * a 32-token warm-up measured the JIT still compiling the batch kernels on the cores the prompt
   * ran on: stories15M f32 gave 1,640-1,690 tok/s on 2 threads and 1,960-2,050 on one, where warm
   * prompts run 2,850-3,680 and 2,040-2,420.
   */
  private static double promptRate(LanguageModel lm, int length) {
    int[] text = lm.encodePrompt(PROMPT);
    int[] prompt = new int[length];
    prompt[0] = text[0];
    for (int i = 1; i < length; i++) {
      prompt[i] = text[1 + (i - 1) % (text.length - 1)];
    }
    GenerationConfig one = GenerationConfig.greedy(1).withIgnoreEos(true);
    firstToken(lm, prompt, one);
    double[] ms = new double[DECODE_RUNS];
    for (int i = 0; i < ms.length; i++) {
      ms[i] = firstToken(lm, prompt, one).timeToFirstTokenMs();
    }
    return length / (LlmBench.median(ms) / 1e3);
  }

  private static GenerationStats firstToken(LanguageModel lm, int[] prompt, GenerationConfig cfg) {
    try (Generation g = lm.start(prompt, cfg)) {
      g.next();
      return g.stats();
    }
  }
}
