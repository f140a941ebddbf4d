package dev.wasmgrid.llm.worker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.llm.GenerationStats;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.TokenLogprobs;
import java.util.List;
import java.util.UUID;

/**
 * The JSON of one answer in the shape its route promises: wasmgrid's own for {@code /v1/generate}
 * ({@code token} events, then {@code done} with the figures), OpenAI's {@code text_completion} and
 * {@code chat.completion} (and their {@code .chunk} stream objects) for the compatible routes, each
 * choice tagged with its index.
 */
final class Answer {
  /** What OpenAI's answers call the backend's configuration. */
  static final String FINGERPRINT = "wasmgrid-" + LanguageModel.version();

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /**
   * One finished choice.
   *
   * @param text its text, the echoed prompt included
   * @param logprobs its tokens' log-probabilities, or null when not asked for
   */
  record Choice(String text, GenerationStats stats, List<TokenLogprobs> logprobs) {}

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

  /**
   * The first event of a choice's stream, or null when the shape has none: OpenAI chat opens with
   * the role, a legacy completion with the echoed prompt ({@code echo} null when not echoing).
   */
  String opening(int choice, String echo) {
    return switch (kind) {
      case GENERATE -> null;
      case CHAT ->
          chunk(choice, JSON.objectNode().put("role", "assistant").put("content", ""), null, null)
              .toString();
      case COMPLETION -> echo == null ? null : chunk(choice, echo, null, null).toString();
    };
  }

  /**
   * One streamed piece's event data.
   *
   * @param logprobs the log-probabilities of the tokens since the last piece, or null
   * @param offset where the piece's first token begins in the choice's text (legacy logprobs)
   */
  String token(
      int choice, String text, int index, int tokenId, List<TokenLogprobs> logprobs, int offset) {
    return switch (kind) {
      case GENERATE ->
          JSON.objectNode().put("token", text).put("index", index).put("id", tokenId).toString();
      case COMPLETION -> chunk(choice, text, null, logprobs(logprobs, offset)).toString();
      case CHAT ->
          chunk(choice, JSON.objectNode().put("content", text), null, logprobs(logprobs, offset))
              .toString();
    };
  }

  /**
   * A choice's last event data: {@code done}'s figures, or OpenAI's chunk with its finish reason
   * (and the log-probabilities of tokens that added no text).
   */
  String end(int choice, GenerationStats stats, List<TokenLogprobs> logprobs, int offset) {
    if (kind == GenerationRequest.Kind.GENERATE) {
      return figures(JSON.objectNode(), stats).toString();
    }
    ObjectNode lp = logprobs == null || logprobs.isEmpty() ? null : logprobs(logprobs, offset);
    ObjectNode last =
        kind == GenerationRequest.Kind.CHAT
            ? chunk(choice, JSON.objectNode(), finishReason(stats), lp)
            : chunk(choice, "", finishReason(stats), lp);
    return last.toString();
  }

  /**
   * OpenAI's last chunk of a stream that asked for usage ({@code stream_options.include_usage}): no
   * choices, the whole answer's usage.
   */
  String usageChunk(List<GenerationStats> choices) {
    ObjectNode body =
        head(kind == GenerationRequest.Kind.CHAT ? "chat.completion.chunk" : "text_completion");
    body.putArray("choices");
    body.set("usage", usage(choices));
    return body.toString();
  }

  /** The whole answer of a request with {@code "stream": false}. */
  String whole(List<Choice> choices, int echoed) {
    if (kind == GenerationRequest.Kind.GENERATE) {
      Choice only = choices.getFirst();
      return figures(JSON.objectNode().put("text", only.text()), only.stats()).toString();
    }
    ObjectNode body =
        head(kind == GenerationRequest.Kind.CHAT ? "chat.completion" : "text_completion");
    ArrayNode array = body.putArray("choices");
    for (int i = 0; i < choices.size(); i++) {
      Choice c = choices.get(i);
      ObjectNode choice = array.addObject().put("index", i);
      if (kind == GenerationRequest.Kind.CHAT) {
        choice.set("message", JSON.objectNode().put("role", "assistant").put("content", c.text()));
      } else {
        choice.put("text", c.text());
      }
      choice.set("logprobs", c.logprobs() == null ? null : logprobs(c.logprobs(), echoed));
      choice.put("finish_reason", finishReason(c.stats()));
    }
    body.set("usage", usage(choices.stream().map(Choice::stats).toList()));
    return body.toString();
  }

  /** OpenAI's usage of the choices: the prompt counted once, every choice's tokens. */
  static ObjectNode usage(List<GenerationStats> choices) {
    int prompt = choices.getFirst().promptTokens();
    int completion = choices.stream().mapToInt(GenerationStats::tokens).sum();
    ObjectNode usage =
        JSON.objectNode()
            .put("prompt_tokens", prompt)
            .put("completion_tokens", completion)
            .put("total_tokens", prompt + completion);
    usage
        .putObject("prompt_tokens_details")
        .put("cached_tokens", choices.getFirst().cachedPromptTokens());
    return usage;
  }

  /** OpenAI's reasons: {@code stop} for the end-of-sequence token or a stop string, else length. */
  static String finishReason(GenerationStats stats) {
    return switch (stats.stopReason()) {
      case "eos", "stop" -> "stop";
      default -> "length";
    };
  }

  private ObjectNode logprobs(List<TokenLogprobs> tokens, int offset) {
    if (tokens == null) {
      return null;
    }
    return kind == GenerationRequest.Kind.CHAT
        ? LogprobsJson.chat(tokens)
        : LogprobsJson.legacy(tokens, offset);
  }

  private ObjectNode figures(ObjectNode node, GenerationStats s) {
    return node.put("model", model)
        .put("tokens", s.tokens())
        .put("prompt_tokens", s.promptTokens())
        .put("cached_prompt_tokens", s.cachedPromptTokens())
        .put("tok_s", s.tokensPerSecond())
        .put("ttft_ms", s.timeToFirstTokenMs())
        .put("total_ms", s.totalMs())
        .put("finish_reason", s.stopReason());
  }

  private ObjectNode chunk(int index, String text, String finish, ObjectNode logprobs) {
    ObjectNode choice = JSON.objectNode().put("index", index).put("text", text);
    choice.set("logprobs", logprobs);
    return chunkWith(choice, finish);
  }

  private ObjectNode chunk(int index, ObjectNode delta, String finish, ObjectNode logprobs) {
    ObjectNode choice = JSON.objectNode().put("index", index);
    choice.set("delta", delta);
    choice.set("logprobs", logprobs);
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
        .put("model", model)
        .put("system_fingerprint", FINGERPRINT);
  }
}
