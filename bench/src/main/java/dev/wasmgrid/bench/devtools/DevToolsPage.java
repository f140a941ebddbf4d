package dev.wasmgrid.bench.devtools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Duration;

/** One tab of a {@link HeadlessChromium}, driven through its own DevTools connection. */
public final class DevToolsPage implements AutoCloseable {
  /** Time for a command that needs no waiting in the page (evaluating a property, a click). */
  private static final Duration ANSWER = Duration.ofSeconds(30);

  /** Extra time the bench side allows beyond a wait in the page, for the answer to come back. */
  private static final Duration MARGIN = Duration.ofSeconds(10);

  private final DevToolsSocket socket;
  private final Runnable closeTarget;

  DevToolsPage(DevToolsSocket socket, Runnable closeTarget) {
    this.socket = socket;
    this.closeTarget = closeTarget;
  }

  /**
   * Opens {@code url} and returns once its document has loaded.
   *
   * @throws IllegalStateException when the page cannot be loaded within {@code limit}
   */
  public void navigate(String url, Duration limit) {
    JsonNode answer = socket.call("Page.navigate", DevToolsSocket.params().put("url", url), limit);
    if (answer.hasNonNull("errorText")) {
      throw new IllegalStateException(
          "Chromium could not open " + url + ": " + answer.get("errorText").asText());
    }
    waitFor("location.href !== 'about:blank' && document.readyState === 'complete'", limit);
  }

  /**
   * The value of a JavaScript expression in the page (a promise's, once settled), as JSON.
   *
   * @throws IllegalStateException when the expression throws
   */
  public JsonNode evaluate(String expression) {
    return evaluate(expression, ANSWER);
  }

  /**
   * Returns once the JavaScript {@code condition} holds in the page, checking every 20 ms there.
   *
   * @throws IllegalStateException when it does not hold within {@code limit}
   */
  public void waitFor(String condition, Duration limit) {
    String what = TextNode.valueOf(condition).toString();
    evaluate(
        """
        new Promise((resolve, reject) => {
          const end = Date.now() + %d;
          const check = () => {
            if (%s) resolve(true);
            else if (Date.now() > end) reject(new Error('not within %s: ' + %s));
            else setTimeout(check, 20);
          };
          check();
        })"""
            .formatted(limit.toMillis(), condition, limit, what),
        limit.plus(MARGIN));
  }

  /**
   * Clicks the element with id {@code id} once it is there and enabled.
   *
   * @throws IllegalStateException when it is not within {@code limit}
   */
  public void click(String id, Duration limit) {
    String element = "document.getElementById(" + TextNode.valueOf(id) + ")";
    waitFor("%1$s !== null && !%1$s.disabled".formatted(element), limit);
    evaluate(element + ".click()");
  }

  /**
   * {@link #evaluate(String)} for an expression whose promise may take up to {@code limit}.
   *
   * @throws IllegalStateException when the expression throws or does not settle within the limit
   */
  public JsonNode evaluate(String expression, Duration limit) {
    JsonNode answer =
        socket.call(
            "Runtime.evaluate",
            DevToolsSocket.params()
                .put("expression", expression)
                .put("returnByValue", true)
                .put("awaitPromise", true),
            limit);
    JsonNode thrown = answer.get("exceptionDetails");
    if (thrown != null) {
      String description = thrown.path("exception").path("description").asText("");
      throw new IllegalStateException(
          "the page threw: "
              + (description.isEmpty() ? thrown.path("text").asText() : description));
    }
    return answer.path("result").path("value");
  }

  @Override
  public void close() {
    try {
      socket.close();
    } finally {
      closeTarget.run();
    }
  }
}
