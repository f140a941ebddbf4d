package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.bench.LocalCluster;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code serve} and {@code worker} on a port another process holds: one line, then an exit. */
class BusyPortTest {

  @ParameterizedTest
  @ValueSource(strings = {"serve", "worker"})
  void aTakenPortEndsTheCommandAtOnceWithOneLineNamingIt(String command) throws Exception {
    try (ServerSocket holder = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = holder.getLocalPort();
      List<String> args = new ArrayList<>(LocalCluster.sameJvm(Main.class.getName()));
      args.addAll(
          List.of(command, "--host", "127.0.0.1", "--port", Integer.toString(port), "--threads"));
      args.add("1");
      Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
      try {
        // Before the fix it printed a stack trace and "listening on ...:-1", and never exited.
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
        String printed = read(process);
        assertThat(process.exitValue()).as(printed).isNotZero();
        assertThat(printed)
            .contains(
                "wasmgrid "
                    + command
                    + ": port "
                    + port
                    + " on 127.0.0.1 is already in use; stop what holds it or choose another"
                    + " --port")
            .doesNotContain("listening on", "Exception", "\tat ");
      } finally {
        process.destroyForcibly();
      }
    }
  }

  private static String read(Process process) throws IOException {
    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
