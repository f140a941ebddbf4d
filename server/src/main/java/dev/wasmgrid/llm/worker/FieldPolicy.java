package dev.wasmgrid.llm.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.errors.Failure;
import java.util.Iterator;
import java.util.Set;

/**
 * Which request fields each route takes. Like OpenAI's API, an unknown field is refused (400 {@code
 * unknown_field}) rather than ignored; a field OpenAI defines that this runtime cannot honour
 * (tools, structured output, audio, ...) is refused with 400 {@code unsupported_field} naming it,
 * unless its value asks for nothing (null, an empty list, "none"). A few OpenAI fields that do not
 * change the text ({@code user}, {@code metadata}, {@code store}, ...) are accepted and ignored.
 */
final class FieldPolicy {
  /** Fields every route honours. */
  private static final Set<String> COMMON =
      Set.of(
          "model",
          "max_tokens",
          "temperature",
          "top_k",
          "top_p",
          "seed",
          "stop",
          "stream",
          "ignore_eos",
          "presence_penalty",
          "frequency_penalty",
          "logit_bias");

  /** OpenAI's fields of both routes that change nothing here. */
  private static final Set<String> INERT = Set.of("user");

  private static final Set<String> COMPLETION =
      Set.of("prompt", "n", "logprobs", "echo", "suffix", "best_of", "stream_options");

  private static final Set<String> CHAT =
      Set.of(
          "messages",
          "stream_options",
          "n",
          "logprobs",
          "top_logprobs",
          "max_completion_tokens",
          "response_format",
          "modalities",
          "metadata",
          "store",
          "service_tier",
          "parallel_tool_calls",
          "prompt_cache_key",
          "safety_identifier");

  /** OpenAI's chat fields for what this runtime does not do. */
  private static final Set<String> CHAT_UNSUPPORTED =
      Set.of(
          "tools",
          "tool_choice",
          "functions",
          "function_call",
          "audio",
          "prediction",
          "web_search_options",
          "reasoning_effort",
          "verbosity");

  private FieldPolicy() {}

  /**
   * Refuses what {@code kind}'s route does not take.
   *
   * @throws Failure 400 {@code unknown_field} or {@code unsupported_field} naming the field
   */
  static void check(RequestFields fields, JsonNode root, GenerationRequest.Kind kind) {
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      boolean known =
          COMMON.contains(name)
              || switch (kind) {
                case GENERATE -> name.equals("prompt");
                case COMPLETION -> COMPLETION.contains(name) || INERT.contains(name);
                case CHAT ->
                    CHAT.contains(name) || INERT.contains(name) || CHAT_UNSUPPORTED.contains(name);
              };
      if (!known) {
        throw new Failure(
            Failure.Kind.INVALID,
            "unknown_field",
            name,
            "unrecognized request field "
                + name
                + "; the fields this route takes are listed in docs/api.md, \"Language models\"");
      }
      if (kind == GenerationRequest.Kind.CHAT
          && CHAT_UNSUPPORTED.contains(name)
          && !inert(fields.get(name))) {
        throw unsupported(name, name + " is not supported: this server generates plain text only");
      }
    }
    switch (kind) {
      case CHAT -> {
        responseFormat(fields.get("response_format"));
        modalities(fields.get("modalities"));
      }
      case COMPLETION -> {
        String suffix = fields.text("suffix");
        if (suffix != null && !suffix.isEmpty()) {
          throw unsupported("suffix", "suffix is not supported: this server only appends text");
        }
      }
      case GENERATE -> {}
    }
  }

  /**
   * Whether an unsupported field's value asks for nothing: absent or null, an empty list ({@code
   * "tools": []}, which clients send by default) or {@code "none"} ({@code tool_choice}).
   */
  private static boolean inert(JsonNode value) {
    return value == null
        || (value.isContainerNode() && value.isEmpty())
        || (value.isTextual() && value.asText().equals("none"));
  }

  private static void responseFormat(JsonNode format) {
    if (format == null) {
      return;
    }
    JsonNode type = format.get("type");
    if (!format.isObject() || type == null || !type.isTextual()) {
      throw RequestFields.bad(
          "response_format",
          "response_format must be {\"type\":\"text\"}, got " + RequestFields.describe(format));
    }
    switch (type.asText()) {
      case "text" -> {}
      case "json_object", "json_schema" ->
          throw unsupported(
              "response_format",
              "response_format of type "
                  + type.asText()
                  + " is not supported: this server cannot constrain output to JSON; only"
                  + " {\"type\":\"text\"}");
      default ->
          throw RequestFields.bad(
              "response_format",
              "response_format.type must be text, json_object or json_schema, got "
                  + RequestFields.describe(type));
    }
  }

  private static void modalities(JsonNode modalities) {
    if (modalities == null) {
      return;
    }
    if (!modalities.isArray()) {
      throw RequestFields.bad(
          "modalities",
          "modalities must be an array such as [\"text\"], got "
              + RequestFields.describe(modalities));
    }
    for (JsonNode m : modalities) {
      if (!m.isTextual() || !m.asText().equals("text")) {
        throw unsupported(
            "modalities", "modalities supports only \"text\", got " + RequestFields.describe(m));
      }
    }
  }

  static Failure unsupported(String field, String message) {
    return Failure.invalid("unsupported_field", field, message);
  }
}
