package dev.wasmgrid.llm.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.llm.ChatMessage;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.Penalties;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One request of {@code /v1/generate}, {@code /v1/completions} or {@code /v1/chat/completions},
 * validated: every field is checked for its type and range, and a bad one is a 400 naming it
 * ({@link FieldPolicy} says which fields each route takes).
 *
 * @param model the model's name, or null for the default one
 * @param prompt the prompt, or null for a chat request
 * @param messages the conversation of a chat request, otherwise empty
 * @param config how to generate the first choice; {@link #config(int)} gives each choice's
 * @param stream whether to answer with server-sent events
 * @param choices how many completions to generate ({@code n})
 * @param echo whether a completion's text begins with the prompt
 * @param streamUsage whether a stream ends with a chunk of the usage alone ({@code
 *     stream_options.include_usage}, OpenAI's routes)
 */
public record GenerationRequest(
    String model,
    String prompt,
    List<ChatMessage> messages,
    GenerationConfig config,
    boolean stream,
    int choices,
    boolean echo,
    boolean streamUsage) {

  /** The most tokens one request may ask for ({@code max_tokens}); the context may end sooner. */
  public static final int MAX_TOKENS_CAP = 4096;

  /** The most stop strings one request may give. */
  public static final int MAX_STOP_STRINGS = 16;

  /** The most choices ({@code n}) one request may ask for. */
  public static final int MAX_CHOICES = 16;

  /** The most alternatives per token: OpenAI's bounds for chat and for legacy completions. */
  public static final int MAX_TOP_LOGPROBS = 20;

  public static final int MAX_LEGACY_LOGPROBS = 5;

  /** The seed of {@code /v1/generate} without one; OpenAI's routes draw a fresh one instead. */
  public static final long DEFAULT_SEED = 42;

  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  /** The requests' shapes. */
  public enum Kind {
    /** {@code /v1/generate}: a prompt, streamed unless {@code "stream": false}. */
    GENERATE,
    /** {@code /v1/completions}: a prompt, streamed only with {@code "stream": true}. */
    COMPLETION,
    /** {@code /v1/chat/completions}: messages, streamed only with {@code "stream": true}. */
    CHAT
  }

  public GenerationRequest {
    messages = List.copyOf(messages);
  }

  /**
   * Parses and validates a JSON body.
   *
   * @throws Failure 400 naming the field at fault
   */
  public static GenerationRequest parse(byte[] body, Kind kind) {
    JsonNode root =
        JsonBodies.parseObject(
            body,
            kind == Kind.CHAT
                ? "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"
                : "{\"prompt\":\"Once upon a time\"}");
    RequestFields f = new RequestFields(root);
    FieldPolicy.check(f, root, kind);
    GenerationConfig d = GenerationConfig.defaults();
    String prompt = null;
    List<ChatMessage> messages = List.of();
    if (kind == Kind.CHAT) {
      messages = messages(root.get("messages"));
    } else {
      prompt = f.text("prompt");
      if (prompt == null) {
        throw RequestFields.bad("prompt", "prompt must be a string, got nothing");
      }
    }
    String model = f.text("model");
    int maxTokens = f.integer("max_tokens", d.maxTokens(), 1, MAX_TOKENS_CAP);
    if (kind == Kind.CHAT) {
      // OpenAI's current name; max_tokens is its deprecated alias.
      maxTokens = f.integer("max_completion_tokens", maxTokens, 1, MAX_TOKENS_CAP);
    }
    float temperature = f.number("temperature", d.temperature(), 0, 100);
    int topK = f.integer("top_k", d.topK(), 0, Integer.MAX_VALUE);
    float topP = f.number("top_p", d.topP(), 0, 1);
    long seed =
        f.int64(
            "seed", kind == Kind.GENERATE ? DEFAULT_SEED : ThreadLocalRandom.current().nextLong());
    List<String> stop = stop(f.get("stop"));
    boolean ignoreEos = f.bool("ignore_eos", false);
    boolean stream = f.bool("stream", kind == Kind.GENERATE);
    int choices = f.integer("n", 1, 1, MAX_CHOICES);
    boolean echo = f.bool("echo", false);
    boolean streamUsage = streamUsage(f.get("stream_options"), stream);
    int logprobs = logprobs(f, kind);
    if (echo && logprobs >= 0) {
      throw FieldPolicy.unsupported(
          "echo",
          "echo with logprobs is not supported: the prompt's log-probabilities are not kept");
    }
    if (f.has("best_of") && f.integer("best_of", 1, 1, MAX_CHOICES) != choices) {
      throw FieldPolicy.unsupported(
          "best_of", "best_of is not supported unless it equals n (" + choices + ")");
    }
    Penalties penalties =
        new Penalties(
            f.number("presence_penalty", 0, -Penalties.MAX_PENALTY, Penalties.MAX_PENALTY),
            f.number("frequency_penalty", 0, -Penalties.MAX_PENALTY, Penalties.MAX_PENALTY),
            logitBias(f.get("logit_bias")));
    return new GenerationRequest(
        model,
        prompt,
        messages,
        new GenerationConfig(
            maxTokens, temperature, topK, topP, seed, stop, ignoreEos, penalties, logprobs),
        stream,
        choices,
        echo,
        streamUsage);
  }

  /** OpenAI's {@code stream_options}: {@code {"include_usage": bool}}, with a stream only. */
  private static boolean streamUsage(JsonNode options, boolean stream) {
    if (options == null) {
      return false;
    }
    if (!stream) {
      throw RequestFields.bad(
          "stream_options", "stream_options is only allowed when stream is true");
    }
    JsonNode include = options.get("include_usage");
    if (!options.isObject()
        || (include != null && !include.isNull() && !include.isBoolean())
        || options.size() > (include == null ? 0 : 1)) {
      throw RequestFields.bad(
          "stream_options",
          "stream_options must be {\"include_usage\": true|false}, got "
              + RequestFields.describe(options));
    }
    return include != null && include.asBoolean();
  }

  /**
   * Choice {@code i}'s configuration: the first uses the request's seed, so one choice answers as
   * {@code /v1/generate} does for it; each other one a seed derived from it, so choices differ and
   * the same seed gives the same choices.
   */
  public GenerationConfig config(int i) {
    if (i == 0) {
      return config;
    }
    long z = config.seed() + i * GOLDEN_GAMMA;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return config.withSeed(z ^ (z >>> 31));
  }

  /**
   * Checks the token ids of {@code logit_bias} against the model's vocabulary.
   *
   * @throws Failure 400 naming the key that is no token
   */
  public void checkVocabulary(int vocabSize) {
    for (int id : config.penalties().logitBias().keySet()) {
      if (id >= vocabSize) {
        throw RequestFields.bad(
            "logit_bias",
            "logit_bias names token \"" + id + "\"; the model's ids are 0.." + (vocabSize - 1));
      }
    }
  }

  /** The alternatives to report per token, or -1 for no log-probabilities. */
  private static int logprobs(RequestFields f, Kind kind) {
    if (kind == Kind.COMPLETION) {
      return f.integer("logprobs", -1, 0, MAX_LEGACY_LOGPROBS);
    }
    boolean on = f.bool("logprobs", false);
    if (!on && f.has("top_logprobs")) {
      throw RequestFields.bad("top_logprobs", "top_logprobs needs \"logprobs\": true");
    }
    return on ? f.integer("top_logprobs", 0, 0, MAX_TOP_LOGPROBS) : -1;
  }

  private static Map<Integer, Float> logitBias(JsonNode n) {
    if (n == null) {
      return Map.of();
    }
    if (!n.isObject()) {
      throw RequestFields.bad(
          "logit_bias",
          "logit_bias must be an object of token id to bias, got " + RequestFields.describe(n));
    }
    Map<Integer, Float> bias = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      int id;
      try {
        id = Integer.parseInt(e.getKey());
      } catch (NumberFormatException x) {
        id = -1;
      }
      if (id < 0) {
        throw RequestFields.bad(
            "logit_bias",
            "logit_bias keys must be token ids (non-negative integers), got \""
                + e.getKey()
                + "\"");
      }
      JsonNode v = e.getValue();
      if (!v.isNumber() || !(Math.abs(v.asDouble()) <= Penalties.MAX_BIAS)) {
        throw RequestFields.bad(
            "logit_bias",
            "logit_bias[\""
                + e.getKey()
                + "\"] must be a number in [-100, 100], got "
                + RequestFields.describe(v));
      }
      bias.put(id, (float) v.asDouble());
    }
    return bias;
  }

  private static List<ChatMessage> messages(JsonNode node) {
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw RequestFields.bad(
          "messages",
          "messages must be a non-empty array of {\"role\",\"content\"}, got "
              + RequestFields.describe(node));
    }
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode m = node.get(i);
      String at = "messages[" + i + "]";
      if (!m.isObject()) {
        throw RequestFields.bad(at, at + " must be an object, got " + RequestFields.describe(m));
      }
      JsonNode role = m.get("role");
      JsonNode content = m.get("content");
      if (role == null || !role.isTextual()) {
        throw RequestFields.bad(
            at + ".role", at + ".role must be a string, got " + RequestFields.describe(role));
      }
      if (content == null || !content.isTextual()) {
        throw RequestFields.bad(
            at + ".content",
            at + ".content must be a string, got " + RequestFields.describe(content));
      }
      try {
        out.add(new ChatMessage(role.asText(), content.asText()));
      } catch (IllegalArgumentException e) {
        throw RequestFields.bad(at + ".role", at + ".role: " + e.getMessage());
      }
    }
    return out;
  }

  private static List<String> stop(JsonNode n) {
    if (n == null) {
      return List.of();
    }
    List<JsonNode> items = new ArrayList<>();
    if (n.isArray()) {
      n.forEach(items::add);
    } else {
      items.add(n);
    }
    if (items.size() > MAX_STOP_STRINGS) {
      throw RequestFields.bad(
          "stop", "stop takes at most " + MAX_STOP_STRINGS + " strings, got " + items.size());
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : items) {
      if (!item.isTextual() || item.asText().isEmpty()) {
        throw RequestFields.bad(
            "stop",
            "stop must be a non-empty string or an array of them, got "
                + RequestFields.describe(item));
      }
      out.add(item.asText());
    }
    return out;
  }
}
