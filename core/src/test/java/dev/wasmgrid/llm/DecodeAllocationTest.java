package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A decoded token's forward pass makes no garbage in its plumbing once warm, on the caller and on
 * the team's threads, for weights held as floats, as bytes and packed in a mapped llama.cpp file,
 * and as floats in a mapped file (the native kernels' path where they run): products, attention and
 * the embedding reuse their jobs, arguments and scratch (they made 3–5 KB a token on stories15M, ~1
 * KB on the tiny model).
 *
 * <p>Allocations are seen as the JVM's flight recorder reports them, a sample with each new
 * thread-local allocation buffer, stack and all, and counted where the first frame outside the
 * JDK's packages is in the pass's plumbing ({@link #PLUMBING}). The Vector API kernels are left
 * out: where the JIT declines to inline one of the API's operations (or a kernel's helper), it
 * boxes the vector call after call, which depends on the JIT's history in the test JVM (two of four
 * runs of the LLM tests had ~1.1 KB a token of them), not on the code.
 */
class DecodeAllocationTest {
  private static final int WARM_ROUNDS = 200;
  private static final int ROUNDS = 1000;

  /** Classes (their nested classes and lambdas too) that hand a pass's work around. */
  private static final List<String> PLUMBING =
      List.of(
          Transformer.class.getName(),
          KvCache.class.getName(),
          PackedMatrix.class.getName(),
          ForwardBatch.class.getName(),
          VectorCompute.class.getName(),
          // Package-private in the fast path's package.
          "dev.wasmgrid.llm.jvm.NativeProducts",
          // Downcalls made from a pass must wrap nothing per call (a heap array's segment would be
          // made in jdk.internal.foreign, which the JIT elides in some compilations and not
          // others).
          "dev.wasmgrid.llm.jvm.NativeKernels",
          "dev.wasmgrid.llm.jvm.HalfKvStore",
          "dev.wasmgrid.llm.jvm.RowTeam",
          "dev.wasmgrid.llm.jvm.ThreadChoice");

  @TempDir static Path dir;

  static Stream<Arguments> cases() {
    FloatWeights w = TestModels.weights();
    Stream<Model> models =
        Stream.concat(
            Stream.of(TensorType.F32, TensorType.Q8_0)
                .map(t -> TinyModels.model(w.config(), t, 7, false)),
            Stream.concat(
                Stream.of("Q8_0", "Q4_K_M").map(DecodeAllocationTest::mapped),
                // Its F32 matrices views of the mapping, multiplied in C where the kernels run.
                Stream.of(mappedF32(w))));
    return models.flatMap(m -> Stream.of(Arguments.of(m, 1), Arguments.of(m, 2)));
  }

  private static Model mappedF32(FloatWeights w) {
    try {
      Path file = dir.resolve("tiny-f32.gguf");
      Files.write(file, TestModels.gguf(w, TensorType.F32));
      return ModelFiles.load(file, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Model mapped(String type) {
    try {
      return LlamaCppFixtures.mapped(dir, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @ParameterizedTest(name = "{0} on {1} threads")
  @MethodSource("cases")
  void aWarmTokenMakesNoGarbage(Model model, int threads) throws IOException {
    // Other tests' teams may still be winding down: only this compute's threads are counted.
    Set<Long> others =
        Thread.getAllStackTraces().keySet().stream()
            .map(Thread::threadId)
            .collect(Collectors.toSet());
    try (VectorCompute compute = new VectorCompute(threads)) {
      Transformer t = new Transformer(model.config(), model.weights(), compute);
      KvCache cache = t.newCache();
      // Within the cache's first capacity, so that it does not grow.
      int positions = Math.min(model.config().seqLen(), 32);
      for (int round = 0; round < WARM_ROUNDS; round++) {
        decode(t, cache, positions);
      }
      Path file = Files.createTempFile(dir, "decode", ".jfr");
      try (Recording recording = new Recording()) {
        recording.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
        recording.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
        recording.start();
        for (int round = 0; round < ROUNDS; round++) {
          decode(t, cache, positions);
        }
        recording.stop();
        recording.dump(file);
      }
      assertThat(oursByCaller(file, others))
          .as(
              "allocation sites in a warm decode, %s; samples by their first frame outside the JDK",
              compute.name())
          .isEmpty();
    }
  }

  private static void decode(Transformer t, KvCache cache, int positions) {
    for (int pos = 0; pos < positions; pos++) {
      t.forward(cache, 3 + pos % 50, pos);
    }
  }

  /**
   * The samples on this thread and its compute's workers (not {@code others}, threads that were
   * there before it) whose first frame outside the JDK ({@code java.}, {@code jdk.}, {@code sun.}:
   * a foreign call's segments are made in {@code jdk.internal.foreign}) is in the plumbing, counted
   * by that frame and the class allocated.
   */
  private static Map<String, Long> oursByCaller(Path file, Set<Long> others) throws IOException {
    long caller = Thread.currentThread().threadId();
    List<RecordedEvent> events = RecordingFile.readAllEvents(file);
    return events.stream()
        .filter(e -> e.getThread() != null && e.getStackTrace() != null)
        .filter(
            e ->
                e.getThread().getJavaThreadId() == caller
                    || (String.valueOf(e.getThread().getJavaName()).startsWith("llm-rows")
                        && !others.contains(e.getThread().getJavaThreadId())))
        .map(e -> firstFrameOutsideJdk(e) + " " + e.getClass("objectClass").getName())
        .filter(site -> PLUMBING.stream().anyMatch(site::startsWith))
        .collect(Collectors.groupingBy(site -> site, TreeMap::new, Collectors.counting()));
  }

  private static String firstFrameOutsideJdk(RecordedEvent e) {
    for (RecordedFrame f : e.getStackTrace().getFrames()) {
      String type = f.getMethod().getType().getName();
      if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")) {
        return type + "." + f.getMethod().getName();
      }
    }
    return "jdk";
  }
}
