package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A body costs memory as its bytes arrive, not as its Content-Length declares: clients that declare
 * large bodies and send one byte of each hold next to nothing, and the server goes on serving.
 */
class UnsentBodiesTest {
  private static final int CLIENTS = 8;
  private static final long DECLARED = 48L << 20;
  private static final Pattern IN_FLIGHT = Pattern.compile("(?m)^wasmgrid_http_inflight (\\S+)$");

  private static WorkerNode worker;

  @BeforeAll
  static void start() {
    worker = Nodes.worker(0);
  }

  @AfterAll
  static void stop() {
    worker.close();
  }

  @Test
  void declaredButUnsentBodiesHoldLittleMemory() throws IOException {
    // Sized to fit the test JVM's heap, so that allocating every declared body fails the assertion
    // below rather than the JVM.
    assertThat(Runtime.getRuntime().maxMemory()).isGreaterThan(2 * CLIENTS * DECLARED);
    // Warm: the first call's classes and buffers are no body's.
    assertThat(inFlight()).isEqualTo(1);
    assertThat(Http.text(new Http(worker.port()).postJson("/rpc", Nodes.SEED)))
        .contains(Nodes.SEED_ANSWER);
    long before = usedHeapAfterGc();
    List<Socket> clients = new ArrayList<>();
    try {
      for (int i = 0; i < CLIENTS; i++) {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), worker.port());
        clients.add(socket);
        socket
            .getOutputStream()
            .write(
                ("POST /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: "
                        + DECLARED
                        + "\r\n\r\n{")
                    .getBytes(StandardCharsets.US_ASCII));
      }
      // The scrape counts itself in flight.
      Poll.until(
          "the server is reading every body",
          Duration.ofSeconds(30),
          () -> inFlight() == CLIENTS + 1);
      assertThat(Http.text(new Http(worker.port()).postJson("/rpc", Nodes.SEED)))
          .contains(Nodes.SEED_ANSWER);
      long held = usedHeapAfterGc() - before;
      assertThat(held)
          .as("heap held by %d bodies of %d declared bytes, one sent", CLIENTS, DECLARED)
          .isLessThan(CLIENTS * DECLARED / 4);
    } finally {
      for (Socket socket : clients) {
        socket.close();
      }
    }
    Poll.until("every cut body was answered", Duration.ofSeconds(30), () -> inFlight() == 1);
    assertThat(usedHeapAfterGc() - before).isLessThan(CLIENTS * DECLARED / 4);
  }

  private static double inFlight() {
    Matcher m = IN_FLIGHT.matcher(Http.text(new Http(worker.port()).get("/metrics")));
    assertThat(m.find()).as("the in-flight gauge is exported").isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
