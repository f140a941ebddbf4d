package dev.wasmgrid.matmul.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.WorkerList;
import dev.wasmgrid.worker.WorkerNode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/matmul?engine=wasm} on a worker, through a coordinator and embedded. */
class WasmEngineRoutesTest {
  private static final Pattern WASM_FLOPS =
      Pattern.compile("wasmgrid_matmul_flops_total\\{backend=\"wasm\"} ([0-9.eE+]+)");

  static Matrix.F64 product(Matrix a, Matrix b) {
    double[] c = new double[a.rows() * b.cols()];
    new ReferenceGemm(1)
        .multiply(
            a.rows(), a.cols(), b.cols(), ((Matrix.F64) a).data(), ((Matrix.F64) b).data(), c);
    return new Matrix.F64(a.rows(), b.cols(), c);
  }

  static double wasmFlops(int port) {
    Matcher m = WASM_FLOPS.matcher(Http.text(new Http(port).get("/metrics")));
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /** The answer's C, which must equal the reference product bit for bit. */
  static void assertReferenceProduct(HttpResponse<byte[]> response, Matrix a, Matrix b) {
    assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
    Matrix.F64 c =
        (Matrix.F64) MatrixFrames.decode(response.body(), Integer.MAX_VALUE, "C").getFirst();
    assertThat(c.rows()).isEqualTo(a.rows());
    assertThat(c.data()).isEqualTo(product(a, b).data());
  }

  static String code(HttpResponse<byte[]> response) {
    return WorkerList.json(Http.text(response)).get("error").get("code").asText();
  }

  @Test
  void aWorkerComputesWithTheWasmEngineWhenAsked() {
    try (WorkerNode worker = Nodes.worker(0)) {
      Http http = new Http(worker.port());
      Matrix a = RandomMatrices.of(Dtype.F64, 23, 41, 1);
      Matrix b = RandomMatrices.of(Dtype.F64, 41, 19, 2);
      HttpResponse<byte[]> answer =
          http.post("/v1/matmul?engine=wasm", MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(a, b));
      assertReferenceProduct(answer, a, b);
      assertThat(wasmFlops(worker.port())).isEqualTo(2.0 * 23 * 41 * 19);

      HttpResponse<byte[]> json =
          http.postJson("/v1/matmul?engine=wasm", "{\"A\":[[1,2],[3,4]],\"B\":[[5,6],[7,8]]}");
      assertThat(json.statusCode()).isEqualTo(200);
      JsonNode body = WorkerList.json(Http.text(json));
      assertThat(body.get("C").toString()).isEqualTo("[[19,22],[43,50]]");
      assertThat(body.get("backend").asText()).isEqualTo("wasm");

      HttpResponse<byte[]> unknown =
          http.postJson("/v1/matmul?engine=gpu", "{\"A\":[[1]],\"B\":[[1]]}");
      assertThat(unknown.statusCode()).isEqualTo(400);
      assertThat(code(unknown)).isEqualTo("invalid_engine");

      HttpResponse<byte[]> f32 =
          http.postJson("/v1/matmul?engine=wasm", "{\"A\":[[1]],\"B\":[[1]],\"dtype\":\"f32\"}");
      assertThat(f32.statusCode()).isEqualTo(400);
      assertThat(code(f32)).isEqualTo("unsupported_dtype");

      // 6000x1 times 1x6000: small operands, but C alone is 288 MB, past 4096 pages (256 MiB).
      Matrix tall = RandomMatrices.of(Dtype.F64, 6000, 1, 3);
      Matrix wide = RandomMatrices.of(Dtype.F64, 1, 6000, 4);
      HttpResponse<byte[]> tooLarge =
          http.post(
              "/v1/matmul?engine=wasm", MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(tall, wide));
      assertThat(tooLarge.statusCode()).isEqualTo(413);
      assertThat(code(tooLarge)).isEqualTo("wasm_memory_limit");
      assertThat(Http.text(tooLarge)).contains("4096 pages");
      // The worker is fine and still computes.
      assertReferenceProduct(
          http.post("/v1/matmul?engine=wasm", MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(a, b)),
          a,
          b);
    }
  }

  @Test
  void theCoordinatorPassesTheEngineToAWorker() {
    try (WorkerNode one = Nodes.worker(0);
        WorkerNode two = Nodes.worker(0);
        CoordinatorNode coordinator =
            Nodes.coordinator(
                WorkerSources.parse(List.of(Nodes.url(one.port()), Nodes.url(two.port()))),
                Nodes.FAST)) {
      Http http = new Http(coordinator.port());
      // Large enough that auto would split a JVM product; a wasm one goes whole to one worker.
      Matrix a = RandomMatrices.of(Dtype.F64, 400, 400, 5);
      Matrix b = RandomMatrices.of(Dtype.F64, 400, 400, 6);
      byte[] frames = MatrixFrames.encode(a, b);
      assertReferenceProduct(
          http.post("/v1/matmul?engine=wasm", MatrixFrames.MEDIA_TYPE, frames), a, b);
      assertThat(wasmFlops(one.port()) + wasmFlops(two.port())).isEqualTo(2.0 * 400 * 400 * 400);

      HttpResponse<byte[]> unknown =
          http.post("/v1/matmul?engine=cuda", MatrixFrames.MEDIA_TYPE, frames);
      assertThat(unknown.statusCode()).isEqualTo(400);
      assertThat(code(unknown)).isEqualTo("invalid_engine");
      HttpResponse<byte[]> split =
          http.post("/v1/matmul?engine=wasm&mode=distributed", MatrixFrames.MEDIA_TYPE, frames);
      assertThat(split.statusCode()).isEqualTo(400);
      assertThat(code(split)).isEqualTo("engine_not_distributed");
    }
  }

  @Test
  void theEmbeddedWorkerHasTheWasmEngine() {
    try (CoordinatorNode coordinator =
        Nodes.coordinator(WorkerSources.parse(List.of()), Nodes.FAST)) {
      Http http = new Http(coordinator.port());
      Matrix a = RandomMatrices.of(Dtype.F64, 30, 20, 7);
      Matrix b = RandomMatrices.of(Dtype.F64, 20, 10, 8);
      assertReferenceProduct(
          http.post("/v1/matmul?engine=wasm", MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(a, b)),
          a,
          b);
      assertThat(wasmFlops(coordinator.port())).isEqualTo(2.0 * 30 * 20 * 10);
    }
  }
}
