package dev.wasmgrid.modules.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.http.Reply;
import java.util.List;
import org.junit.jupiter.api.Test;

class BroadcastTest {

  @Test
  void aFailureSummaryCountsItsWorkersInGoodEnglish() {
    Broadcast.Outcome down = new Broadcast.Outcome("http://w1", null, "connection refused");
    Broadcast.Outcome up = new Broadcast.Outcome("http://w2", Reply.json(200, "{}"), null);
    assertThat(Broadcast.summary(List.of(down), "deploy_incomplete", "deploying m").text())
        .contains("deploying m failed on 1 of 1 worker: http://w1 unreachable");
    assertThat(Broadcast.summary(List.of(down, up), "deploy_incomplete", "deploying m").text())
        .contains("deploying m failed on 1 of 2 workers: http://w1 unreachable");
  }
}
