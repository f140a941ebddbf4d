package dev.wasmgrid.llm.worker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.llm.TokenLogprob;
import dev.wasmgrid.llm.TokenLogprobs;
import java.util.List;

/**
 * Log-probabilities in OpenAI's two shapes: chat's {@code {"content":[{token, logprob, bytes,
 * top_logprobs}]}} and legacy completions' {@code {tokens, token_logprobs, top_logprobs,
 * text_offset}}.
 */
final class LogprobsJson {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private LogprobsJson() {}

  /** Chat's {@code choices[i].logprobs}. */
  static ObjectNode chat(List<TokenLogprobs> tokens) {
    ObjectNode out = JSON.objectNode();
    ArrayNode content = out.putArray("content");
    for (TokenLogprobs t : tokens) {
      ObjectNode entry = entry(t.chosen());
      ArrayNode top = entry.putArray("top_logprobs");
      t.top().forEach(alt -> top.add(entry(alt)));
      content.add(entry);
    }
    out.putNull("refusal");
    return out;
  }

  /**
   * Legacy completions' {@code choices[i].logprobs}; {@code offset} is where the first token's text
   * begins in the choice's text.
   */
  static ObjectNode legacy(List<TokenLogprobs> tokens, int offset) {
    ObjectNode out = JSON.objectNode();
    ArrayNode texts = out.putArray("tokens");
    ArrayNode logprobs = out.putArray("token_logprobs");
    ArrayNode top = out.putArray("top_logprobs");
    ArrayNode offsets = out.putArray("text_offset");
    int at = offset;
    for (TokenLogprobs t : tokens) {
      texts.add(t.chosen().token());
      logprobs.add(t.chosen().logprob());
      ObjectNode alternatives = top.addObject();
      t.top().forEach(alt -> alternatives.put(alt.token(), alt.logprob()));
      offsets.add(at);
      at += t.chosen().token().length();
    }
    return out;
  }

  /** The length of the tokens' texts, to carry a stream's text offset on. */
  static int length(List<TokenLogprobs> tokens) {
    int n = 0;
    for (TokenLogprobs t : tokens) {
      n += t.chosen().token().length();
    }
    return n;
  }

  private static ObjectNode entry(TokenLogprob t) {
    ObjectNode entry = JSON.objectNode().put("token", t.token()).put("logprob", t.logprob());
    ArrayNode bytes = entry.putArray("bytes");
    t.bytes().forEach(bytes::add);
    return entry;
  }
}
