package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
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
    // Same seed, same text; the scalar path draws the same tokens.
    assertThat(run(args).out()).isEqualTo(a.out());
    String[] scalar = java.util.Arrays.copyOf(args, args.length + 1);
    scalar[args.length] = "--scalar";
    assertThat(run(scalar).out()).isEqualTo(a.out());
  }

  @Test
  void aMissingModelFileIsNamed() {
    Run r = run("generate", "--model", "/nonexistent/m.gguf", "--prompt", "x");
    assertThat(r.status()).isEqualTo(1);
  }
}
