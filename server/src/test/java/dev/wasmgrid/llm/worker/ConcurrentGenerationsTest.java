package dev.wasmgrid.llm.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.jvm.VectorCompute;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Requests that run together on a model with several slots, their steps sharing passes, get the
 * completions they get one at a time.
 */
class ConcurrentGenerationsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SLOTS = 4;

  private static List<String> bodies() {
    String[] prompts = {"the cat", "a dog ran over the hill", "once upon a time", "hello there"};
    int[] maxTokens = {20, 7, 33, 12};
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 2 * SLOTS; i++) {
      int p = i % prompts.length;
      // Half greedy, half sampled from a fixed seed.
      String sampling = i < SLOTS ? "\"temperature\":0" : "\"temperature\":0.9,\"seed\":" + (7 + i);
      bodies.add(
          "{\"prompt\":\""
              + prompts[p]
              + "\",\"max_tokens\":"
              + maxTokens[p]
              + ",\"ignore_eos\":true,"
              + sampling
              + "}");
    }
    return bodies;
  }

  private static String text(byte[] body) throws Exception {
    JsonNode answer = JSON.readTree(body);
    return answer.path("choices").path(0).path("text").asText(null);
  }

  @Test
  void concurrentRequestsGetTheCompletionsOfSequentialOnes() throws Exception {
    LanguageModel model = new LanguageModel(LlmTestModels.model(), new VectorCompute(2), SLOTS);
    HostedModel host = new HostedModel("tiny", model, 2 * SLOTS);
    try (WorkerNode worker = LlmTestModels.worker(Limits.DEFAULTS, new ModelHosts(List.of(host)))) {
      List<String> bodies = bodies();
      Http http = new Http(worker.port());
      List<String> sequential = new ArrayList<>();
      for (String body : bodies) {
        HttpResponse<byte[]> r = http.postJson("/v1/completions", body);
        assertThat(r.statusCode()).as(Http.text(r)).isEqualTo(200);
        sequential.add(text(r.body()));
      }
      assertThat(sequential).doesNotContainNull().doesNotHaveDuplicates();

      HttpClient client = HttpClient.newHttpClient();
      List<CompletableFuture<HttpResponse<byte[]>>> together = new ArrayList<>();
      for (String body : bodies) {
        together.add(
            client.sendAsync(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + worker.port() + "/v1/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray()));
      }
      List<String> concurrent = new ArrayList<>();
      for (CompletableFuture<HttpResponse<byte[]>> f : together) {
        HttpResponse<byte[]> r = f.get();
        assertThat(r.statusCode()).as(Http.text(r)).isEqualTo(200);
        concurrent.add(text(r.body()));
      }
      assertThat(concurrent).isEqualTo(sequential);
      assertThat(host.running()).isZero();
    }
  }
}
