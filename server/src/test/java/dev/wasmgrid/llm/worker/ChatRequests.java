package dev.wasmgrid.llm.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.llm.ChatMessage;
import dev.wasmgrid.testing.Sse;
import java.io.IOException;
import java.util.List;

/** Greedy {@code /v1/chat/completions} bodies, and the text of a streamed answer. */
final class ChatRequests {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ChatRequests() {}

  /** A greedy request of {@code model} for at most {@code maxTokens} tokens. */
  static String body(String model, List<ChatMessage> messages, int maxTokens, boolean stream) {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("model", model);
    var list = body.putArray("messages");
    for (ChatMessage m : messages) {
      list.addObject().put("role", m.role()).put("content", m.content());
    }
    return body.put("max_tokens", maxTokens).put("temperature", 0).put("stream", stream).toString();
  }

  /** The deltas' content of a streamed answer, which must end with {@code [DONE]}. */
  static String streamedContent(List<Sse.Event> events) throws IOException {
    assertThat(events.getLast().data()).isEqualTo("[DONE]");
    StringBuilder text = new StringBuilder();
    for (Sse.Event e : events.subList(0, events.size() - 1)) {
      JsonNode delta = JSON.readTree(e.data()).get("choices").get(0).get("delta");
      if (delta.has("content")) {
        text.append(delta.get("content").asText());
      }
    }
    return text.toString();
  }
}
