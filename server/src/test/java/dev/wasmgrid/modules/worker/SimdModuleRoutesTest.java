package dev.wasmgrid.modules.worker;

import static dev.wasmgrid.modules.worker.ModuleWorkerServiceTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.TestModules;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** A SIMD module (clang {@code -msimd128}) is refused at deployment: 422, naming where. */
class SimdModuleRoutesTest {

  @Test
  void deployingASimdModuleIs422UnsupportedSimdAndNothingIsDeployed() throws Exception {
    try (WorkerNode worker =
        WorkerNode.start(
            ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))) {
      Http http = new Http(worker.port());
      HttpResponse<byte[]> answer =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + worker.port() + "/v1/modules/simd"))
                  .header("Content-Type", "application/wasm")
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(TestModules.bytes("simd"))));
      assertThat(answer.statusCode()).as(Http.text(answer)).isEqualTo(422);
      JsonNode error = JSON.readTree(answer.body()).get("error");
      assertThat(error.get("code").asText()).isEqualTo("unsupported_simd");
      assertThat(error.get("message").asText())
          .contains("function 'dot2'")
          .contains("-msimd128")
          .doesNotContain("Unhandled opcode");
      assertThat(http.get("/v1/modules/simd").statusCode()).isEqualTo(404);
    }
  }
}
