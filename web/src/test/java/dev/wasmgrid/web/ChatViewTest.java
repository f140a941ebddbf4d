package dev.wasmgrid.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.RequestOptions;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Chat view against a coordinator serving {@code --model tiny}: a conversation kept over turns
 * (the whole messages array each turn, through the server's chat template), streamed, with the
 * answer the same greedy text the API gives without streaming; a refused turn says why.
 */
class ChatViewTest extends LlmPageTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static void send(Browsers.Watched w, String message) {
    Object before = w.page.evaluate("() => window.chat.turns");
    w.page.locator("#chat-input").fill(message);
    w.page.locator("#chat-send").click();
    w.page.waitForFunction(
        "n => window.chat.turns > n || window.chat.error !== null",
        before,
        new Page.WaitForFunctionOptions().setTimeout(Browsers.TIMEOUT_MS));
    assertThat(w.page.evaluate("() => window.chat.error")).isNull();
  }

  /** The assistant's text for {@code messages}, greedy, from the API without streaming. */
  private static String apiAnswer(Browsers.Watched w, List<Map<String, String>> messages)
      throws IOException {
    APIResponse r =
        w.page
            .request()
            .post(
                w.page.url().replaceAll("[?#].*$", "") + "v1/chat/completions",
                RequestOptions.create()
                    .setHeader("Content-Type", "application/json")
                    .setData(Map.of("messages", messages, "max_tokens", 12, "temperature", 0)));
    assertThat(r.status()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.text());
    return body.path("choices").path(0).path("message").path("content").asText();
  }

  @Test
  void aConversationStreamsTheApisGreedyAnswersAndKeepsEveryTurn() throws IOException {
    Browsers.Watched w = pages.open(pages.plain, "#chat");
    try {
      PlaywrightAssertions.assertThat(w.page.locator("#chat-model option[value=tiny]")).hasCount(1);
      w.page.locator("#chat-model").selectOption("tiny");
      w.page.locator("#chat-max").fill("12");
      w.page.locator("#chat-temp").fill("0");

      send(w, "Hello there");
      String first = w.page.locator(".msg.assistant").last().textContent();
      assertThat(first)
          .isNotEmpty()
          .isEqualTo(apiAnswer(w, List.of(Map.of("role", "user", "content", "Hello there"))));

      send(w, "And then?");
      @SuppressWarnings("unchecked")
      List<Map<String, String>> sent =
          (List<Map<String, String>>) w.page.evaluate("() => window.chat.lastRequest.messages");
      assertThat(sent)
          .containsExactly(
              Map.of("role", "user", "content", "Hello there"),
              Map.of("role", "assistant", "content", first),
              Map.of("role", "user", "content", "And then?"));
      assertThat(w.page.locator(".msg.assistant").last().textContent())
          .isEqualTo(apiAnswer(w, sent));
      PlaywrightAssertions.assertThat(w.page.locator(".msg")).hasCount(4);
      PlaywrightAssertions.assertThat(w.page.locator("#chat-status")).containsText("done");
      PlaywrightAssertions.assertThat(w.page.locator("#chat-stop")).isDisabled();
      w.assertClean();

      w.page.locator("#chat-new").click();
      PlaywrightAssertions.assertThat(w.page.locator(".msg")).hasCount(0);
      assertThat(w.page.evaluate("() => window.chat.messages.length")).isEqualTo(0);
    } finally {
      w.page.context().close();
    }
  }

  @Test
  void stopAbortsATurnAndTheConversationGoesOn() {
    Browsers.Watched w = pages.open(pages.plain, "#chat");
    try {
      // The model never answers this turn: only Stop can end it.
      w.page.context().route("**/v1/chat/completions", route -> {});
      w.page.locator("#chat-input").fill("Hello");
      w.page.locator("#chat-send").click();
      PlaywrightAssertions.assertThat(w.page.locator("#chat-stop")).isEnabled();
      PlaywrightAssertions.assertThat(w.page.locator("#chat-send")).isDisabled();
      w.page.locator("#chat-stop").click();

      PlaywrightAssertions.assertThat(w.page.locator("#chat-status")).hasText("stopped");
      PlaywrightAssertions.assertThat(w.page.locator("#chat-send")).isEnabled();
      PlaywrightAssertions.assertThat(w.page.locator("#chat-stop")).isDisabled();
      PlaywrightAssertions.assertThat(w.page.locator(".msg.assistant")).hasCount(0);
      assertThat(w.page.evaluate("() => window.chat.messages.map(m => m.role)"))
          .isEqualTo(List.of("user"));
      assertThat(w.pageErrors).isEmpty();
    } finally {
      w.page.context().close();
    }
  }

  @Test
  void aTurnTheServerRefusesShowsItsMessage() {
    Browsers.Watched w = pages.open(pages.plain, "#chat");
    try {
      PlaywrightAssertions.assertThat(w.page.locator("#chat-model option[value=tiny]")).hasCount(1);
      // A model the grid does not serve (as after it was taken off between two turns).
      w.page.evaluate(
          "() => { const s = document.getElementById('chat-model');"
              + " s.append(new Option('gone', 'gone')); s.value = 'gone'; }");
      w.page.locator("#chat-input").fill("Hello");
      w.page.locator("#chat-send").click();
      PlaywrightAssertions.assertThat(w.page.locator("#chat-status"))
          .containsText("failed: HTTP 404");
      PlaywrightAssertions.assertThat(w.page.locator(".msg.error")).containsText("gone");
      PlaywrightAssertions.assertThat(w.page.locator(".msg.assistant")).hasCount(0);
      PlaywrightAssertions.assertThat(w.page.locator("#chat-send")).isEnabled();
      assertThat(w.pageErrors).isEmpty();
    } finally {
      w.page.context().close();
    }
  }
}
