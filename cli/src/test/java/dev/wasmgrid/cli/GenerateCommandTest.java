package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.llm.gguf.ModelShape;
import dev.wasmgrid.llm.gguf.ShapedModels;
import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class GenerateCommandTest {

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        new CommandLine(Main.class)
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Run(status, out.toString(), err.toString());
  }

  @Test
  void tinyModelStreamsTextThenStats() {
    String[] args = {
      "generate",
      "--model",
      "tiny",
      "--prompt",
      "Once upon a time",
      "--seed",
      "7",
      "--max-tokens",
      "12",
      "--temperature",
      "0.9",
      "--threads",
      "1"
    };
    Run a = run(args);
    assertThat(a.status()).isZero();
    assertThat(a.out()).startsWith("Once upon a time");
    assertThat(a.err()).containsPattern("tokens=\\d+ tok/s=[\\d.]+ ttft_ms=[\\d.]+");
    // Same seed, same text; with float keys and values, the scalar path draws the same tokens (F16
    // ones, the default where the native kernels run, may move a draw at a near-tie).
    assertThat(run(args).out()).isEqualTo(a.out());
    String[] floats = java.util.Arrays.copyOf(args, args.length + 2);
    floats[args.length] = "--kv-type";
    floats[args.length + 1] = "f32";
    String[] scalar = java.util.Arrays.copyOf(args, args.length + 1);
    scalar[args.length] = "--scalar";
    assertThat(run(scalar).out()).isEqualTo(run(floats).out());
  }

  @Test
  void anUnknownKvTypeIsRefusedByName() {
    Run r = run("generate", "--model", "tiny", "--max-tokens", "2", "--kv-type", "q8_0");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("--kv-type: a KV cache keeps f16 or f32 values, got 'q8_0'");
  }

  /**
   * Files shaped like the five downloads (one layer, small vocabularies of the real kinds, the real
   * files' type mixes) generate through the CLI, the same text on the scalar path.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {"llama3.2-1b", "qwen2.5-0.5b", "qwen3-0.6b", "smollm2-135m", "tinyllama-1.1b"})
  void generatesFromFilesShapedLikeRealDownloads(String name, @TempDir Path dir) throws Exception {
    ModelShape shape = ModelShape.parse(name).reduced(1, 1024, 64);
    Path file = dir.resolve(name + ".gguf");
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file))) {
      ShapedModels.write(shape, shape.usualMix(), 5, o);
    }
    String[] args = {
      "generate",
      "--model",
      file.toString(),
      "--prompt",
      "hello world",
      "--max-tokens",
      "6",
      "--temperature",
      "0",
      "--threads",
      "2",
      "--raw"
    };
    Run a = run(args);
    assertThat(a.status()).as(a.err()).isZero();
    assertThat(a.out()).startsWith("hello world");
    assertThat(a.out().length()).isGreaterThan("hello world".length());
    assertThat(a.err()).containsPattern("tokens=\\d+ tok/s=[\\d.]+ ttft_ms=[\\d.]+");
    String[] scalar = java.util.Arrays.copyOf(args, args.length + 1);
    scalar[args.length] = "--scalar";
    assertThat(run(scalar).out()).isEqualTo(a.out());
  }

  @Test
  void withoutThreadsTheFastPathPicksItsOwnCountAndTheTextIsTheSame() {
    String[] auto = {"generate", "--model", "tiny", "--seed", "3", "--max-tokens", "16"};
    Run a = run(auto);
    assertThat(a.status()).isZero();
    assertThat(a.err()).containsPattern("compute=vector-\\d+x" + VectorCompute.autoThreads());
    String[] one = java.util.Arrays.copyOf(auto, auto.length + 2);
    one[auto.length] = "--threads";
    one[auto.length + 1] = "1";
    assertThat(run(one).out()).isEqualTo(a.out());
  }

  @Test
  void controlBytesFromTheModelReachNoTerminal() throws Exception {
    // Seed 1 makes the tiny model's random weights pick control bytes (ESC, CR, ...).
    String[] args = {
      "generate",
      "--model",
      "tiny",
      "--seed",
      "1",
      "--max-tokens",
      "64",
      "--threads",
      "1",
      "--temperature",
      "1.0"
    };
    String[] raw = java.util.Arrays.copyOf(args, args.length + 1);
    raw[args.length] = "--raw";
    byte[] text = stdout(raw);
    int control = -1;
    for (byte b : text) {
      if (isControl(b)) {
        control = b;
        break;
      }
    }
    assertThat(control).as("a control byte in the raw text").isNotNegative();
    byte[] shown = stdout(args);
    for (byte b : shown) {
      assertThat(isControl(b))
          .as("byte 0x%02x in %s", b, new String(shown, StandardCharsets.UTF_8))
          .isFalse();
    }
    assertThat(new String(shown, StandardCharsets.UTF_8)).contains("\\x%02x".formatted(control));
  }

  private static boolean isControl(byte b) {
    return b >= 0 && b != '\n' && b != '\t' && (b < 0x20 || b == 0x7f);
  }

  /** Runs {@code wasmgrid ARGS} as a process of its own and returns its stdout as bytes. */
  private static byte[] stdout(String... args) throws Exception {
    List<String> command = new ArrayList<>(LocalCluster.sameJvm(Main.class.getName()));
    command.addAll(List.of(args));
    Process cli =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = cli.getInputStream().readAllBytes();
    assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(cli.exitValue()).isZero();
    return out;
  }

  @Test
  void aMissingModelFileIsNamed() {
    Run r = run("generate", "--model", "/nonexistent/m.gguf", "--prompt", "x");
    assertThat(r.status()).isEqualTo(1);
  }
}
