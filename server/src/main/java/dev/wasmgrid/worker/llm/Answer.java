package dev.wasmgrid.worker.llm;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.llm.GenerationStats;
import java.util.UUID;

/**
 * The JSON of one answer in the shape its route promises: wasmgrid's own for {@code /v1/generate}
 * ({@code token} events, then {@code done} with the figures), OpenAI's {@code text_completion} and
 * {@code chat.completion} (and their {@code .chunk} stream objects) for the compatible routes.
 */
final class Answer {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final GenerationRequest.Kind kind;
  private final String model;
  private final String id;
  private final long created = System.currentTimeMillis() / 1000;

  Answer(GenerationRequest.Kind kind, String model) {
    this.kind = kind;
    this.model = model;
    String prefix = kind == GenerationRequest.Kind.CHAT ? "chatcmpl-" : "cmpl-";
    this.id = prefix + UUID.randomUUID().toString().replace("-", "");
  }

  /** The event name of a streamed token: {@code token} for wasmgrid's route, none for OpenAI's. */
  String tokenEvent() {
    return kind == GenerationRequest.Kind.GENERATE ? "token" : null;
  }

  /** The first event of a stream, or null when the shape has none (OpenAI chat opens a role). */
  String opening() {
    if (kind != GenerationRequest.Kind.CHAT) {
      return null;
    }
    ObjectNode delta = JSON.objectNode().put("role", "assistant").put("content", "");
    return chunk(delta, null).toString();
  }

  /** One token's event data. */
  String token(String text, int index, int tokenId) {
    return switch (kind) {
      case GENERATE ->
          JSON.objectNode().put("token", text).put("index", index).put("id", tokenId).toString();
      case COMPLETION -> chunk(text, null).toString();
      case CHAT -> chunk(JSON.objectNode().put("content", text), null).toString();
    };
  }

  /** The last event's data: {@code done}'s figures, or OpenAI's chunk with the finish reason. */
  String end(GenerationStats stats) {
    if (kind == GenerationRequest.Kind.GENERATE) {
      return figures(JSON.objectNode(), stats).toString();
    }
    ObjectNode last =
        kind == GenerationRequest.Kind.CHAT
            ? chunk(JSON.objectNode(), finishReason(stats))
            : chunk("", finishReason(stats));
    last.set("usage", usage(stats));
    return last.toString();
  }

  /** The whole answer of a request with {@code "stream": false}. */
  String whole(String text, GenerationStats stats) {
    if (kind == GenerationRequest.Kind.GENERATE) {
      return figures(JSON.objectNode().put("text", text), stats).toString();
    }
    ObjectNode choice = JSON.objectNode().put("index", 0);
    if (kind == GenerationRequest.Kind.CHAT) {
      choice.set("message", JSON.objectNode().put("role", "assistant").put("content", text));
    } else {
      choice.put("text", text).putNull("logprobs");
    }
    choice.put("finish_reason", finishReason(stats));
    ObjectNode body =
        head(kind == GenerationRequest.Kind.CHAT ? "chat.completion" : "text_completion");
    body.putArray("choices").add(choice);
    body.set("usage", usage(stats));
    return body.toString();
  }

  /** OpenAI's reasons: {@code stop} for the end-of-sequence token or a stop string, else length. */
  static String finishReason(GenerationStats stats) {
    return switch (stats.stopReason()) {
      case "eos", "stop" -> "stop";
      default -> "length";
    };
  }

  private ObjectNode figures(ObjectNode node, GenerationStats s) {
    return node.put("model", model)
        .put("tokens", s.tokens())
        .put("prompt_tokens", s.promptTokens())
        .put("tok_s", s.tokensPerSecond())
        .put("ttft_ms", s.timeToFirstTokenMs())
        .put("total_ms", s.totalMs())
        .put("finish_reason", s.stopReason());
  }

  private ObjectNode chunk(String text, String finish) {
    ObjectNode choice = JSON.objectNode().put("index", 0).put("text", text).putNull("logprobs");
    return chunkWith(choice, finish);
  }

  private ObjectNode chunk(ObjectNode delta, String finish) {
    ObjectNode choice = JSON.objectNode().put("index", 0);
    choice.set("delta", delta);
    return chunkWith(choice, finish);
  }

  private ObjectNode chunkWith(ObjectNode choice, String finish) {
    if (finish == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finish);
    }
    ObjectNode body =
        head(kind == GenerationRequest.Kind.CHAT ? "chat.completion.chunk" : "text_completion");
    body.putArray("choices").add(choice);
    return body;
  }

  private ObjectNode head(String object) {
    return JSON.objectNode()
        .put("id", id)
        .put("object", object)
        .put("created", created)
        .put("model", model);
  }

  private static ObjectNode usage(GenerationStats s) {
    return JSON.objectNode()
        .put("prompt_tokens", s.promptTokens())
        .put("completion_tokens", s.tokens())
        .put("total_tokens", s.promptTokens() + s.tokens());
  }
}
