package dev.wasmgrid.llm.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.worker.WorkerNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Over real HTTP, a chat's next turn reuses the positions of the turn before from the worker's
 * prompt cache (reported as OpenAI's {@code usage.prompt_tokens_details.cached_tokens}) and answers
 * exactly what a worker without the cache answers.
 */
class PromptCacheRouteTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SYSTEM = "{\"role\":\"system\",\"content\":\"Be brief.\"}";

  @Test
  void aChatsSecondTurnIsServedFromTheCacheWithTheSameAnswer() throws Exception {
    try (ModelHosts cachedHosts = ModelHosts.load(List.of(ModelHosts.TINY), 1, 1, 0, 512, 16);
        ModelHosts plainHosts = ModelHosts.load(List.of(ModelHosts.TINY), 1, 1, 0, 512, 0);
        WorkerNode cached = LlmTestModels.worker(Limits.DEFAULTS, cachedHosts);
        WorkerNode plain = LlmTestModels.worker(Limits.DEFAULTS, plainHosts)) {
      String turn1 = SYSTEM + ",{\"role\":\"user\",\"content\":\"Tell a story\"}";
      JsonNode first = chat(cached, turn1);
      assertThat(cachedTokens(first)).isZero();
      String answer = first.at("/choices/0/message/content").asText();
      String turn2 =
          turn1
              + ",{\"role\":\"assistant\",\"content\":"
              + JSON.writeValueAsString(answer)
              + "},{\"role\":\"user\",\"content\":\"And then?\"}";
      JsonNode second = chat(cached, turn2);
      JsonNode reference = chat(plain, turn2);
      assertThat(cachedTokens(second))
          .isGreaterThan(first.at("/usage/prompt_tokens").asInt() / 2)
          .isLessThan(second.at("/usage/prompt_tokens").asInt());
      assertThat(cachedTokens(reference)).isZero();
      assertThat(second.at("/choices/0/message/content").asText())
          .isEqualTo(reference.at("/choices/0/message/content").asText());
    }
  }

  private static JsonNode chat(WorkerNode worker, String messages) throws Exception {
    HttpResponse<byte[]> r =
        new Http(worker.port())
            .postJson(
                "/v1/chat/completions",
                "{\"messages\":[" + messages + "],\"max_tokens\":8,\"temperature\":0}");
    assertThat(r.statusCode()).as(Http.text(r)).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static int cachedTokens(JsonNode answer) {
    return answer.at("/usage/prompt_tokens_details/cached_tokens").asInt(-1);
  }
}
