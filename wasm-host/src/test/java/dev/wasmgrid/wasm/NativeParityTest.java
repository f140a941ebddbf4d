package dev.wasmgrid.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.testing.TestModules;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The WASI module answers as the same C built natively does ({@code wasi_text_native}, from the
 * same source by build-test-modules.sh), for the same inputs: printed text, results and buffers.
 */
class NativeParityTest {

  private static final CompiledModule WASI =
      WasmModules.compile("wasi", TestModules.bytes("wasi_text"), ModuleLimits.defaults());

  @Test
  void greetPrintsAndReturnsWhatTheNativeBuildDoes() throws Exception {
    for (int n : new int[] {0, 21, -7, 123_456}) {
      String nativeOut = run(new byte[0], "greet", Integer.toString(n));
      try (WasmInstance instance = WASI.instantiate()) {
        long result = instance.call("greet", n)[0];
        assertThat(instance.takeOutput().stdout() + "= " + (int) result + "\n")
            .isEqualTo(nativeOut);
      }
    }
  }

  @Test
  void buffersGiveWhatTheNativeBuildGives() throws Exception {
    Random random = new Random(11);
    try (WasmInstance instance = WASI.instantiate()) {
      for (int size : new int[] {0, 1, 7, 4096, 1 << 20}) {
        byte[] data = new byte[size];
        random.nextBytes(data);
        int ptr = instance.write(data);
        long hash = instance.call("fnv1a", ptr, size)[0];
        instance.free(ptr, size);
        assertThat("= " + hash + "\n").isEqualTo(run(data, "fnv1a"));
      }
      byte[] text = "Hello, wasm & native: 42!".getBytes(StandardCharsets.UTF_8);
      int in = instance.write(text);
      int out = instance.write(new byte[text.length]);
      instance.call("upper", in, text.length, out);
      assertThat(new String(instance.read(out, text.length), StandardCharsets.UTF_8))
          .isEqualTo(run(text, "upper"));
    }
  }

  /** The native build's stdout for {@code args}, with {@code stdin} as its input. */
  private static String run(byte[] stdin, String... args) throws IOException, InterruptedException {
    String[] command = new String[args.length + 1];
    command[0] = TestModules.path("wasi_text_native").toString();
    System.arraycopy(args, 0, command, 1, args.length);
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    return out;
  }
}
