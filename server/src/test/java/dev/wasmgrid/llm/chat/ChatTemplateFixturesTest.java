package dev.wasmgrid.llm.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.llm.ChatMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real chat templates rendered byte for byte as references render them (fixtures in {@code
 * chat-templates/}, README there): llama.cpp's test-chat-template.cpp cases against its expected
 * output, and models' own templates against Python's Jinja2 set up as Hugging Face's.
 */
class ChatTemplateFixturesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The Jinja2 renderings' strftime_now clock (render_with_jinja2.py). */
  static final Clock CLOCK =
      Clock.fixed(LocalDateTime.of(2026, 12, 5, 8, 30).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);

  static JsonNode resource(String name) throws IOException {
    try (InputStream in =
        ChatTemplateFixturesTest.class.getResourceAsStream("/chat-templates/" + name)) {
      return JSON.readTree(in);
    }
  }

  static String text(String name) throws IOException {
    try (InputStream in =
        ChatTemplateFixturesTest.class.getResourceAsStream("/chat-templates/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static String textUnchecked(String name) {
    try {
      return text(name);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static List<ChatMessage> conversation(String name) throws IOException {
    List<ChatMessage> out = new ArrayList<>();
    for (JsonNode m : resource("conversations.json").get(name)) {
      out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
    }
    return out;
  }

  static Stream<Arguments> llamaCppCases() throws IOException {
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : resource("llama-cpp-cases.json")) {
      out.add(Arguments.of(c.get("name").asText(), c));
    }
    return out.stream();
  }

  static Stream<Arguments> modelRenderings() throws IOException {
    List<Arguments> out = new ArrayList<>();
    for (JsonNode m : resource("model-templates.json")) {
      m.get("renderings")
          .properties()
          .forEach(e -> out.add(Arguments.of(m.get("file").asText(), e.getKey(), m, e.getValue())));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("llamaCppCases")
  void llamaCppCasesRenderAsJinja2(String name, JsonNode c) throws Exception {
    ChatTemplate t = new ChatTemplate(c.get("template").asText(), CLOCK);
    check(
        () ->
            t.render(
                conversation("llama.cpp"),
                c.get("bos_token").asText(),
                c.get("eos_token").asText(),
                UnaryOperator.identity()),
        c.get("jinja2"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("modelRenderings")
  void modelTemplatesRenderAsJinja2(String file, String conversation, JsonNode m, JsonNode expected)
      throws Exception {
    ChatTemplate t = new ChatTemplate(text(file), CLOCK);
    check(
        () ->
            t.render(
                conversation(conversation),
                m.get("bos_token").asText(),
                m.get("eos_token").asText(),
                UnaryOperator.identity()),
        expected);
  }

  /**
   * The Jinja2 references are llama.cpp's own expected output wherever llama.cpp adds nothing of
   * its own (merging a system message into the first user turn, stripping a leading BOS): 22 of 29.
   */
  @Test
  void mostReferencesAreLlamaCppsExpectedOutput() throws Exception {
    int same = 0;
    for (JsonNode c : resource("llama-cpp-cases.json")) {
      JsonNode jinja2 = c.get("jinja2");
      if (jinja2.has("expected")
          && jinja2.get("expected").asText().equals(c.get("llama_cpp").asText())) {
        same++;
      }
    }
    assertThat(same).isEqualTo(22);
  }

  interface Rendering {
    String render() throws Exception;
  }

  private static void check(Rendering r, JsonNode expected) throws Exception {
    if (expected.has("error")) {
      assertThatThrownBy(r::render)
          .isInstanceOfSatisfying(ChatTemplateException.class, e -> assertThat(e.raised()).isTrue())
          .hasMessage(expected.get("error").asText());
    } else {
      assertThat(r.render()).isEqualTo(expected.get("expected").asText());
    }
  }
}
