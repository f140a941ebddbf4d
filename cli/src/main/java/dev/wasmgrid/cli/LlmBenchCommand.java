package dev.wasmgrid.cli;

import dev.wasmgrid.bench.LlmBench;
import dev.wasmgrid.llm.gguf.QuantMix;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code wasmgrid bench llm}: the memory read bandwidth, then tokens per second, prompt throughput
 * and the share of that bandwidth reached on the stories15M / stories110M shapes, then load time,
 * tokens per second and peak RSS on GGUF files shaped like real downloads.
 */
@Command(
    name = "llm",
    mixinStandardHelpOptions = true,
    description = {
      "Tokens/s, time to first token and peak RSS of the JVM fast path.",
      "First this machine's memory read bandwidth (mem_read_gbs, a vectorised read of 512 MiB).",
      "Then the llama2.c stories15M and stories110M shapes with random weights, written as GGUF"
          + " files in f32, q8_0, q4_0 and q4_k_m and loaded memory-mapped, 1 and 2 threads"
          + " (tok_s the median of three generations, the thread counts taking turns):"
          + " also pp_tok_s (a 256-token prompt, the median of three), bytes_per_token and"
          + " roofline_fraction"
          + " (tok_s x bytes_per_token / mem_read_gbs), and the best thread count's lines.",
      "Then GGUF files shaped like Llama-3.2-1B, Qwen2.5-0.5B and SmolLM2-135M (full size,"
          + " random weights, kept in --file-cache for the next run) in llama-quantize's"
          + " q4_k_m, q6_k and q8_0 mixes: load_ms of the memory-mapped open, tok/s, ttft and peak RSS."
    })
final class LlmBenchCommand implements Callable<Integer> {

  @Mixin BenchReports output;

  @Option(
      names = "--shapes",
      split = ",",
      defaultValue = "stories15M,stories110M",
      description = "Model shapes, 'none' for none (default: ${DEFAULT-VALUE}).")
  List<String> shapes;

  @Option(
      names = "--dtype",
      split = ",",
      defaultValue = "f32,q8_0,q4_0,q4_k_m",
      description =
          "Type mixes of the shapes: f32, f16, q8_0, q4_0, q4_k_m, q6_k (default:"
              + " ${DEFAULT-VALUE}).")
  List<String> dtypes;

  @Option(
      names = "--files",
      split = ",",
      defaultValue = "llama3.2-1b,qwen2.5-0.5b,smollm2-135m",
      description =
          "Shaped GGUF files: llama3.2-1b, qwen2.5-0.5b, qwen3-0.6b, smollm2-135m, tinyllama-1.1b;"
              + " 'none' for none (default: ${DEFAULT-VALUE}).")
  List<String> files;

  @Option(
      names = "--mix",
      split = ",",
      defaultValue = "q4_k_m,q6_k,q8_0",
      description =
          "Type mixes of the files: q4_k_m, q6_k, q8_0, q4_0, f16, f32 (default: ${DEFAULT-VALUE}).")
  List<String> mixes;

  @Option(
      names = "--file-cache",
      defaultValue = "${sys:user.home}/.cache/wasmgrid/bench-llm",
      description =
          "Where the written files are kept between runs (about 6 GB for the defaults); 'none' to"
              + " write them to a temporary directory and delete them after"
              + " (default: ${DEFAULT-VALUE}).")
  String fileCache;

  @Option(
      names = "--threads",
      split = ",",
      defaultValue = "1,2",
      description = "Thread counts (default: ${DEFAULT-VALUE}).")
  List<Integer> threads;

  @Option(
      names = "--tokens",
      description =
          "Tokens per measurement (default: 128 for stories15M, 48 for stories110M, 16 or 32 for"
              + " the files).")
  Integer tokens;

  @Option(
      names = "--prompt-tokens",
      defaultValue = "256",
      description = "Prompt length of the shapes' pp_tok_s (default: ${DEFAULT-VALUE}).")
  int promptTokens;

  @Option(names = "--seed", defaultValue = "42", description = "Weight seed (default: 42).")
  long seed;

  @Override
  public Integer call() {
    List<LlmBench.Shape> parsed =
        shapes.stream()
            .filter(s -> !s.equals("none"))
            .map(LlmBench.Shape::parse)
            .map(s -> tokens == null ? s : s.withTokens(tokens))
            .map(s -> s.withPromptTokens(promptTokens))
            .toList();
    List<String> shaped = files.equals(List.of("none")) ? List.of() : files;
    LlmBench.run(
        new LlmBench.Options(
            parsed,
            dtypes.stream().map(QuantMix::parse).toList(),
            threads,
            seed,
            shaped,
            mixes.stream().map(QuantMix::parse).toList(),
            tokens == null ? 0 : tokens,
            fileCache.equals("none") ? null : Path.of(fileCache),
            LlmBench.Options.defaults().bandwidthBytes()),
        output.report());
    output.finish();
    return 0;
  }
}
