package dev.wasmgrid.bench.devtools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Chrome DevTools Protocol connection (a browser's or a page's WebSocket): commands answered by
 * id, every wait bounded. Events are not needed by the bench and are dropped.
 */
final class DevToolsSocket implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String url;
  private final WebSocket socket;
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();

  private DevToolsSocket(String url, HttpClient client, Duration limit) {
    this.url = url;
    this.socket =
        await(
            client
                .newWebSocketBuilder()
                .connectTimeout(limit)
                .buildAsync(URI.create(url), new Receiver()),
            limit,
            "connecting to " + url);
  }

  /** Opens the WebSocket at {@code url} (a {@code ws://127.0.0.1:…/devtools/…} address). */
  static DevToolsSocket open(String url, HttpClient client, Duration limit) {
    return new DevToolsSocket(url, client, limit);
  }

  /**
   * Sends {@code method} with {@code params} and returns the answer's {@code result}.
   *
   * @throws IllegalStateException when the browser answers an error, goes away, or does not answer
   *     within {@code limit}
   */
  JsonNode call(String method, ObjectNode params, Duration limit) {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
    command.set("params", params);
    try {
      await(socket.sendText(command.toString(), true), limit, "sending " + method);
      JsonNode message = await(answer, limit, method);
      if (message.has("error")) {
        throw new IllegalStateException(
            method + " failed: " + message.get("error").path("message").asText());
      }
      return message.path("result");
    } finally {
      pending.remove(id);
    }
  }

  /** A fresh, empty parameter object. */
  static ObjectNode params() {
    return JSON.createObjectNode();
  }

  @Override
  public void close() {
    socket.abort();
    failAll(new IllegalStateException("DevTools connection closed: " + url));
  }

  private void failAll(Throwable cause) {
    pending.values().forEach(f -> f.completeExceptionally(cause));
  }

  private static <T> T await(CompletionStage<T> stage, Duration limit, String what) {
    try {
      return stage.toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Chromium did not answer within " + limit + ": " + what, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + what, e);
    }
  }

  /** Joins a message's frames, then hands an answer to the command waiting for its id. */
  private final class Receiver implements WebSocket.Listener {
    private final StringBuilder message = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      message.append(data);
      if (last) {
        dispatch(message.toString());
        message.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      failAll(
          new IllegalStateException("Chromium closed " + url + ": " + statusCode + " " + reason));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      failAll(error);
    }

    private void dispatch(String text) {
      JsonNode node;
      try {
        node = JSON.readTree(text);
      } catch (IOException e) {
        failAll(new UncheckedIOException("Chromium sent a message that is not JSON", e));
        return;
      }
      CompletableFuture<JsonNode> waiting =
          node.has("id") ? pending.get(node.get("id").asInt()) : null;
      if (waiting != null) {
        waiting.complete(node);
      }
    }
  }
}
