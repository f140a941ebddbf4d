package dev.wasmgrid.bench;

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
 * resident memory from just before the load to the end of the line's decoding.
 */
final class ShapedLlmBench {

  private static final String PROMPT = "Once upon a time";

  private ShapedLlmBench() {}

  /**
   * A shaped file to measure.
   *
   * @param tokens tokens generated per measurement
   * @param warmUpTokens tokens generated untimed first
   */
  record FileShape(ModelShape shape, int tokens, int warmUpTokens) {
    FileShape {
      Objects.requireNonNull(shape, "shape");
      if (tokens < 2 || warmUpTokens < 0) {
        throw new IllegalArgumentException(
            "shape " + shape.name() + ": tokens must be >= 2, warm-up >= 0");
      }
    }

    /** The file shape named {@code name}, with its default token counts. */
    static FileShape parse(String name) {
      ModelShape s = ModelShape.parse(name);
      long params = (long) s.config().layers() * s.config().dim() * s.config().hiddenDim();
      // About a second of decoding per measurement on a small machine, whatever the size.
      return params > 100_000_000L ? new FileShape(s, 16, 8) : new FileShape(s, 32, 16);
    }
  }

  static void run(
      List<FileShape> shapes, List<QuantMix> mixes, LlmBench.Options options, BenchReport report) {
    if (shapes.isEmpty()) {
      return;
    }
    try {
      Path cache = options.fileCache();
      Path dir =
          cache != null
              ? Files.createDirectories(cache)
              : Files.createTempDirectory("wasmgrid-bench-llm-");
      try {
        for (FileShape shape : shapes) {
          for (QuantMix mix : mixes) {
            Path file = dir.resolve(fileName(shape.shape(), mix, options.seed()));
            if (cache != null && Files.isRegularFile(file)) {
              report.progress("llm: %s (%.0f MB) from the cache".formatted(file, size(file)));
            } else {
              write(shape.shape(), mix, options.seed(), file, report);
            }
            try {
              measure(shape, mix, file, options.threads(), report);
            } finally {
              if (cache == null) {
                Files.delete(file);
              }
            }
          }
        }
      } finally {
        if (cache == null) {
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
      FileShape shape, QuantMix mix, Path file, List<Integer> threadCounts, BenchReport report)
      throws IOException {
    System.gc();
    boolean reset = LlmBench.resetPeakRss();
    double before = LlmBench.peakRssMb();
    long t0 = System.nanoTime();
    Model model = ModelFiles.load(file, null);
    double loadMs = (System.nanoTime() - t0) / 1e6;
    // The files declare contexts of up to 128k positions; the KV cache needs only this run's.
    model = model.withContext(PROMPT.length() + shape.tokens() + shape.warmUpTokens() + 8);
    report.progress(
        "llm: %s %s: loaded in %.0f ms; resident %.0f MB before, %.0f MB after"
            .formatted(
                shape.shape().name(), mix.wireName(), loadMs, before, LlmBench.currentRssMb()));
    if (!reset) {
      report.progress("llm: peak RSS could not be reset, so it is the process's peak so far");
    }
    GenerationConfig cfg = GenerationConfig.greedy(shape.tokens()).withIgnoreEos(true);
    for (int threads : threadCounts) {
      report.progress(
          "llm: %s %s threads=%d: %d tokens warm-up, %d timed ..."
              .formatted(
                  shape.shape().name(),
                  mix.wireName(),
                  threads,
                  shape.warmUpTokens(),
                  shape.tokens()));
      try (LanguageModel lm = new LanguageModel(model, new VectorCompute(threads))) {
        if (shape.warmUpTokens() > 0) {
          lm.generate(PROMPT, cfg.withMaxTokens(shape.warmUpTokens()));
        }
        GenerationStats stats = lm.generate(PROMPT, cfg).stats();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("shape", shape.shape().name());
        params.put("dtype", mix.wireName());
        params.put("threads", threads);
        report.metric("llm", params, "tok_s", stats.tokensPerSecond(), "tok/s");
        report.metric("llm", params, "ttft_ms", stats.timeToFirstTokenMs(), "ms");
        report.metric("llm", params, "load_ms", loadMs, "ms");
        double rss = LlmBench.peakRssMb();
        if (rss > 0) {
          report.metric("llm", params, "peak_rss_mb", rss, "MB");
        }
      }
    }
  }
}
