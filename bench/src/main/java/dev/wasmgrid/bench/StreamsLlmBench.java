package dev.wasmgrid.bench;

import dev.wasmgrid.llm.Generation;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TokenPiece;
import dev.wasmgrid.llm.gguf.QuantMix;
import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.jvm.VectorCompute;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Concurrent streams on one model ({@code LanguageModel} with several streams, their decoding steps
 * sharing each pass): aggregate tokens per second of 1, 2, 4 and 8 greedy streams started together,
 * and its ratio over one stream, on the same model in the same run (each the median of three runs,
 * the stream counts taking turns). Measured for stories110M q8_0, the cell issue 18 names, when the
 * run includes it.
 */
public final class StreamsLlmBench {
  private static final String PROMPT = "Once upon a time";

  /** Timed runs per stream count; the median is reported. */
  private static final int RUNS = 3;

  /** The stream counts measured. */
  public static final List<Integer> STREAMS = List.of(1, 2, 4, 8);

  private StreamsLlmBench() {}

  /**
   * Measures the streams of stories110M q8_0 if {@code options} asks for that cell, on the bench's
   * GGUF file of it loaded as {@code generate} and {@code serve} load one (memory-mapped).
   */
  public static void run(LlmBench.Options options, BenchReport report) {
    for (LlmBench.Shape shape : options.shapes()) {
      if (shape.name().equals("stories110M") && options.dtypes().contains(QuantMix.Q8_0)) {
        int threads = options.threads().stream().mapToInt(Integer::intValue).max().orElse(1);
        ShapedLlmBench.withFile(
            shape.modelShape(),
            QuantMix.Q8_0,
            options,
            report,
            file -> run(shape, ModelFiles.load(file, null), threads, STREAMS, report));
      }
    }
  }

  /**
   * Reports {@code aggregate_tok_s} for each count of {@code streams} and {@code
   * ratio_aggregate_over_single} for those over one, each stream generating {@code shape.tokens()}.
   */
  private static void run(
      LlmBench.Shape shape, Model loaded, int threads, List<Integer> streams, BenchReport report) {
    TensorType dtype = TensorType.Q8_0;
    // The file declares a long context; each stream's KV cache needs only this run's.
    Model model = loaded.withContext(PROMPT.length() + shape.tokens() + shape.warmUpTokens() + 8);
    GenerationConfig cfg = GenerationConfig.greedy(shape.tokens()).withIgnoreEos(true);
    List<LanguageModel> models = new ArrayList<>();
    try {
      for (int n : streams) {
        LanguageModel lm = new LanguageModel(model, new VectorCompute(threads), n);
        models.add(lm);
        if (shape.warmUpTokens() > 0) {
          GenerationConfig warm = cfg.withMaxTokens(shape.warmUpTokens());
          JitSettling.generations(() -> together(lm, n, warm));
        }
      }
      // The stream counts take turns, run by run, so that the ratios compare the same spells of
      // a shared host (as ShapedLlmBench's thread counts do).
      double[][] rates = new double[streams.size()][RUNS];
      for (int run = 0; run < RUNS; run++) {
        for (int i = 0; i < streams.size(); i++) {
          rates[i][run] = timed(models.get(i), streams.get(i), cfg, shape, dtype, threads, report);
        }
      }
      double single = 0;
      for (int i = 0; i < streams.size(); i++) {
        int n = streams.get(i);
        double aggregate = LlmBench.median(rates[i]);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("shape", shape.name());
        params.put("dtype", dtype.wireName());
        params.put("threads", threads);
        params.put("streams", n);
        report.metric("llm", params, "aggregate_tok_s", aggregate, "tok/s");
        if (n == 1) {
          single = aggregate;
        } else if (single > 0) {
          report.metric("llm", params, "ratio_aggregate_over_single", aggregate / single, "x");
        }
      }
    } finally {
      for (LanguageModel lm : models) {
        lm.close();
      }
    }
  }

  /** One timed run of {@code n} streams: their aggregate tokens per second, CPU time reported. */
  private static double timed(
      LanguageModel lm,
      int n,
      GenerationConfig cfg,
      LlmBench.Shape shape,
      TensorType dtype,
      int threads,
      BenchReport report) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    long cpuStart = processCpuNanos(os);
    long start = System.nanoTime();
    int tokens = together(lm, n, cfg);
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuSeconds = (processCpuNanos(os) - cpuStart) / 1e9;
    double aggregate = tokens / seconds;
    report.progress(
        "llm streams: %s %s threads=%d streams=%d: %d tokens in %.2f s, %.1f tok/s; %.2f"
                .formatted(
                    shape.name(),
                    dtype.wireName(),
                    threads,
                    n,
                    tokens,
                    seconds,
                    aggregate,
                    cpuSeconds)
            + " CPU-s (%.1f tok per CPU-second), load average %.2f"
                .formatted(tokens / cpuSeconds, os.getSystemLoadAverage()));
    return aggregate;
  }

  /** Runs {@code n} generations of {@code cfg} at once, one thread each; the tokens generated. */
  private static int together(LanguageModel lm, int n, GenerationConfig cfg) {
    ExecutorService threads = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> counts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        counts.add(
            threads.submit(
                () -> {
                  go.await();
                  int count = 0;
                  try (Generation g = lm.start(PROMPT, cfg)) {
                    for (TokenPiece p = g.next(); p != null; p = g.next()) {
                      count++;
                    }
                  }
                  return count;
                }));
      }
      go.countDown();
      int total = 0;
      for (Future<Integer> c : counts) {
        total += c.get();
      }
      return total;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a stream failed", e.getCause());
    } finally {
      threads.shutdownNow();
    }
  }

  private static long processCpuNanos(OperatingSystemMXBean os) {
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }
}
