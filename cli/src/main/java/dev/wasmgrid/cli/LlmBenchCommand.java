package dev.wasmgrid.cli;

import dev.wasmgrid.bench.LlmBench;
import dev.wasmgrid.llm.TensorType;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code wasmgrid bench llm}: tokens per second on the stories15M / stories110M shapes. */
@Command(
    name = "llm",
    mixinStandardHelpOptions = true,
    description = {
      "Tokens/s, time to first token and peak RSS of the JVM fast path.",
      "On the llama2.c stories15M and stories110M shapes with random weights, f32 and q8_0,"
          + " 1 and 2 threads."
    })
final class LlmBenchCommand implements Callable<Integer> {

  @Mixin BenchReports output;

  @Option(
      names = "--shapes",
      split = ",",
      defaultValue = "stories15M,stories110M",
      description = "Model shapes (default: ${DEFAULT-VALUE}).")
  List<String> shapes;

  @Option(
      names = "--dtype",
      split = ",",
      defaultValue = "f32,q8_0",
      description = "Weight encodings: f32, f16, q8_0, q4_0 (default: ${DEFAULT-VALUE}).")
  List<String> dtypes;

  @Option(
      names = "--threads",
      split = ",",
      defaultValue = "1,2",
      description = "Thread counts (default: ${DEFAULT-VALUE}).")
  List<Integer> threads;

  @Option(
      names = "--tokens",
      description = "Tokens per measurement (default: 128 for stories15M, 48 for stories110M).")
  Integer tokens;

  @Option(names = "--seed", defaultValue = "42", description = "Weight seed (default: 42).")
  long seed;

  @Override
  public Integer call() {
    List<LlmBench.Shape> parsed =
        shapes.stream()
            .map(LlmBench.Shape::parse)
            .map(s -> tokens == null ? s : s.withTokens(tokens))
            .toList();
    LlmBench.run(
        new LlmBench.Options(
            parsed, dtypes.stream().map(TensorType::parse).toList(), threads, seed),
        output.report());
    return 0;
  }
}
