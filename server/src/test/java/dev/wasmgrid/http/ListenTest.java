package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** A server whose port is taken fails to start with one line naming the port, not a dead server. */
class ListenTest {

  @Test
  void aTakenPortIsAListenExceptionNamingIt() throws IOException {
    try (ServerSocket holder = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = holder.getLocalPort();
      assertThatThrownBy(() -> GridServer.checkListenable("127.0.0.1", port))
          .isInstanceOf(ListenException.class)
          .hasMessage(
              "port "
                  + port
                  + " on 127.0.0.1 is already in use; stop what holds it or choose another --port");
      assertThatThrownBy(
              () ->
                  WorkerNode.start(
                      ServerSettings.open("127.0.0.1", port, Limits.DEFAULTS),
                      new ReferenceGemm(1)))
          .isInstanceOf(ListenException.class)
          .satisfies(e -> assertThat(((ListenException) e).port()).isEqualTo(port))
          .hasMessageContaining("port " + port)
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void anAddressNotOfThisMachineIsNamed() {
    assertThatThrownBy(() -> GridServer.checkListenable("192.0.2.1", 8081))
        .isInstanceOf(ListenException.class)
        .hasMessageStartingWith("cannot listen on 192.0.2.1:8081: ");
  }

  @Test
  void portZeroAndAFreePortStart() throws IOException {
    int free;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      free = probe.getLocalPort();
    }
    GridServer.checkListenable("127.0.0.1", 0);
    try (WorkerNode node =
        WorkerNode.start(
            ServerSettings.open("127.0.0.1", free, Limits.DEFAULTS), new ReferenceGemm(1))) {
      assertThat(node.port()).isEqualTo(free);
    }
  }
}
