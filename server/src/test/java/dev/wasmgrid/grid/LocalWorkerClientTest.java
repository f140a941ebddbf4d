package dev.wasmgrid.grid;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.RouteTable;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.worker.LlmTestModels;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.modules.worker.StoreLimits;
import dev.wasmgrid.wasm.WasmModules;
import dev.wasmgrid.worker.WorkerConfig;
import dev.wasmgrid.worker.WorkerNode;
import dev.wasmgrid.worker.WorkerServices;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The in-process worker answers as a remote one: the same requests, sent to a worker process over
 * HTTP and to a {@link LocalWorkerClient} over the same services, get the same status, type and
 * body, across every workload, errors included; and an event stream stays a stream.
 */
class LocalWorkerClientTest {
  private static final String JSON = "application/json";

  /** Method, target, content type, body (bytes as ISO-8859-1 characters). */
  private record Call(String method, String target, String type, String text) {
    static Call of(String method, String target, String type, String body) {
      return new Call(method, target, type, body);
    }

    byte[] body() {
      return text.getBytes(StandardCharsets.ISO_8859_1);
    }
  }

  private static final byte[] ADD = WasmModules.bundledBytes("prover");

  private static final List<Call> CALLS =
      List.of(
          Call.of(
              "POST",
              "/v1/matmul",
              JSON,
              "{\"A\":[[1,2],[3,4]],\"B\":[[5,6],[7,8]],\"dtype\":\"f64\"}"),
          Call.of("POST", "/v1/matmul?engine=nope", JSON, "{\"A\":[[1]],\"B\":[[1]]}"),
          Call.of("POST", "/v1/matmul", JSON, "{\"A\":[[1,2]],"),
          Call.of(
              "POST",
              "/rpc",
              JSON,
              "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],"
                  + "\"content\":\"{\\\"A\\\":\\\"[[1,2],[3,4]]\\\",\\\"B\\\":\\\"[[5,6],[7,8]]\\\"}\"}"),
          Call.of("POST", "/rpc", JSON, "{\"meta\":[{\"name\":\"method\",\"value\":\"divide\"}]}"),
          Call.of("GET", "/v1/modules", "", ""),
          new Call(
              "PUT",
              "/v1/modules/prover",
              "application/wasm",
              new String(ADD, StandardCharsets.ISO_8859_1)),
          Call.of("GET", "/v1/modules/prover", "", ""),
          Call.of("GET", "/v1/modules/absent", "", ""),
          Call.of("POST", "/v1/modules/absent/call/add", JSON, "{\"args\":[1,2]}"),
          Call.of("GET", "/v1/modules/prover/recycling", "", ""),
          Call.of("GET", "/v1/models", "", ""),
          Call.of("GET", "/v1/models/absent", "", ""),
          Call.of("POST", "/v1/generate", JSON, "{\"model\":\"absent\",\"prompt\":\"a\"}"),
          Call.of(
              "POST",
              "/v1/generate",
              JSON,
              "{\"model\":\"tiny\",\"prompt\":\"a\",\"max_tokens\":3,\"temperature\":0}"),
          Call.of("GET", "/v1/sim/partitions", "", ""),
          Call.of("DELETE", "/v1/sim/partitions/absent", "", ""),
          Call.of("GET", "/v1/nothing", "", ""),
          Call.of("DELETE", "/v1/models", "", ""),
          Call.of("PUT", "/v1/matmul", JSON, "{}"));

  @Test
  void everyWorkloadAnswersInProcessAsOverHttp() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (ModelHosts remoteModels = LlmTestModels.hosts("tiny", new ScalarCompute(), 4);
        ModelHosts localModels = LlmTestModels.hosts("tiny", new ScalarCompute(), 4);
        WorkerNode node =
            WorkerConfig.builder(
                    ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))
                .models(remoteModels)
                .start();
        WorkerServices services =
            WorkerServices.open(
                new ReferenceGemm(1),
                Limits.DEFAULTS,
                registry,
                Optional.empty(),
                StoreLimits.DEFAULTS,
                localModels)) {
      WorkerClient remote =
          new HttpWorkerClient(
              URI.create("http://127.0.0.1:" + node.port()),
              HttpWorkerClient.newWebClient(Duration.ofSeconds(5)),
              Duration.ofSeconds(30),
              Optional.empty());
      WorkerClient local = new LocalWorkerClient(RouteTable.of(services.list()));
      for (Call call : CALLS) {
        Reply over = remote.exchange(call.method(), call.target(), call.type(), call.body());
        Reply in = local.exchange(call.method(), call.target(), call.type(), call.body());
        String what = call.method() + " " + call.target();
        assertThat(in.status()).as(what).isEqualTo(over.status());
        assertThat(in.contentType()).as(what).isEqualTo(over.contentType());
        assertThat(untimed(in.text())).as(what).isEqualTo(untimed(over.text()));
      }
    }
  }

  /** The body without a generation's timings, which differ from run to run. */
  private static String untimed(String body) {
    return body.replaceAll("\"(tok_s|ttft_ms|total_ms)\":[-0-9.Ee+]+", "\"$1\":0");
  }

  @Test
  void anEventStreamIsPassedOnAsItIsWritten() throws Exception {
    try (ModelHosts models = LlmTestModels.hosts("tiny", new ScalarCompute(), 4);
        WorkerServices services =
            WorkerServices.open(
                new ReferenceGemm(1),
                Limits.DEFAULTS,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                Optional.empty(),
                StoreLimits.DEFAULTS,
                models)) {
      WorkerClient local = new LocalWorkerClient(RouteTable.of(services.list()));
      Reply stream =
          local.stream(
              "/v1/generate",
              JSON,
              "{\"model\":\"tiny\",\"prompt\":\"a\",\"max_tokens\":3,\"stream\":true}"
                  .getBytes(StandardCharsets.UTF_8));

      // Nothing generated yet: the model runs as the stream is written, straight to its reader.
      assertThat(stream.length()).isEqualTo(-1);
      assertThat(stream.contentType()).isEqualTo(Reply.EVENT_STREAM);
      assertThat(models.list().get(0).running()).isZero();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      stream.writeTo(out, 8192);
      String events = out.toString(StandardCharsets.UTF_8);
      assertThat(events).startsWith("event: token\n").contains("event: done\n");
    }
  }
}
