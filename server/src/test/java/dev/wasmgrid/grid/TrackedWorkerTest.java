package dev.wasmgrid.grid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.http.Reply;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;

/** Which answers count against a worker's health. */
class TrackedWorkerTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  /** Answers with the queued statuses in turn; a status of 0 is an unreachable worker. */
  static final class Scripted implements WorkerClient {
    final Deque<Integer> statuses = new ArrayDeque<>();

    @Override
    public String name() {
      return "http://127.0.0.1:1";
    }

    @Override
    public Reply call(String path, String contentType, byte[] body) throws IOException {
      int status = statuses.removeFirst();
      if (status == 0) {
        throw new ConnectException("refused");
      }
      return Reply.json(status, "{}");
    }
  }

  final Scripted client = new Scripted();
  final TrackedWorker worker = new TrackedWorker(client, "static", 3, InstantSource.fixed(NOW));

  @Test
  void serverErrorsAndUnreachableCountButBusyAndClientErrorsDoNot() throws IOException {
    script(500, 503, 0, 400);
    worker.call("/rpc", "", new byte[0]);
    assertThat(worker.status().consecutiveFailures()).isEqualTo(1);
    assertThat(worker.status().state()).isEqualTo(WorkerState.SUSPECT);
    worker.call("/rpc", "", new byte[0]);
    assertThat(worker.status().consecutiveFailures()).isEqualTo(1);
    assertThatThrownBy(() -> worker.call("/rpc", "", new byte[0]))
        .isInstanceOf(ConnectException.class);
    assertThat(worker.status().consecutiveFailures()).isEqualTo(2);
    worker.call("/rpc", "", new byte[0]);
    WorkerStatus status = worker.status();
    assertThat(status.consecutiveFailures()).isZero();
    assertThat(status.state()).isEqualTo(WorkerState.UP);
    assertThat(status.calls()).isEqualTo(4);
    assertThat(status.lastSeen()).isEqualTo(NOW);
  }

  @Test
  void theLimitOfFailuresInARowMarksItDown() {
    script(0, 0, 0);
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> worker.call("/rpc", "", new byte[0]))
          .isInstanceOf(IOException.class);
    }
    assertThat(worker.isDown()).isTrue();
    assertThat(worker.status().state()).isEqualTo(WorkerState.DOWN);
    assertThat(worker.status().lastSeen()).isNull();
  }

  private void script(int... statuses) {
    for (int status : statuses) {
      client.statuses.addLast(status);
    }
  }
}
