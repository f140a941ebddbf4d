package dev.wasmgrid.matmul.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.ServerTiming;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.testing.WorkerList;
import dev.wasmgrid.worker.WorkerNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The cost model's inputs, measured over real HTTP: kernel speed, bandwidth, latency. */
class WorkerSpeedsTest {
  static final byte[] OPERANDS =
      MatrixFrames.encode(
          RandomMatrices.of(Dtype.F64, 300, 300, 1), RandomMatrices.of(Dtype.F64, 300, 300, 2));

  @Test
  void aWorkerReportsItsKernelTimeWithEachProduct() {
    try (WorkerNode worker = Nodes.worker(0)) {
      long start = System.nanoTime();
      HttpResponse<byte[]> response =
          new Http(worker.port()).post("/v1/matmul", MatrixFrames.MEDIA_TYPE, OPERANDS);
      long roundTrip = System.nanoTime() - start;
      assertThat(response.statusCode()).isEqualTo(200);
      OptionalLong kernel =
          ServerTiming.parse(
              response.headers().firstValue(ServerTiming.HEADER).orElse(""), ServerTiming.KERNEL);
      assertThat(kernel).isPresent();
      assertThat(kernel.getAsLong()).isPositive().isLessThan(roundTrip);
    }
  }

  @Test
  void distributedProductsAndProbesFillInEachWorkersSpeeds() {
    try (WorkerNode w1 = Nodes.worker(0);
        WorkerNode w2 = Nodes.worker(0);
        CoordinatorNode coordinator =
            Nodes.coordinator(
                WorkerSources.parse(List.of(Nodes.url(w1.port()), Nodes.url(w2.port()))),
                Nodes.FAST)) {
      Http http = new Http(coordinator.port());
      for (JsonNode worker : WorkerList.all(http)) {
        assertThat(worker.get("gflops").isNull()).as("nothing measured yet").isTrue();
      }
      for (int i = 0; i < 2; i++) {
        HttpResponse<byte[]> product =
            http.post("/v1/matmul?mode=distributed", MatrixFrames.MEDIA_TYPE, OPERANDS);
        assertThat(product.statusCode()).as(Http.text(product)).isEqualTo(200);
      }
      Poll.until(
          "probes measured every worker's latency",
          Duration.ofSeconds(10),
          () -> WorkerList.all(http).stream().allMatch(w -> w.get("latency_ms").isNumber()));
      List<JsonNode> workers = WorkerList.all(http);
      assertThat(workers).hasSize(2);
      for (JsonNode worker : workers) {
        assertThat(worker.get("gflops").asDouble()).as(worker.toString()).isPositive();
        assertThat(worker.get("bandwidth_mbps").asDouble()).as(worker.toString()).isPositive();
      }
      // The second product was predicted from the first one's measurements and judged against it.
      JsonNode config = WorkerList.json(Http.text(http.get("/v1/config/matmul")));
      assertThat(config.get("model_efficiency").isNumber()).as(config.toString()).isTrue();
    }
  }
}
