package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket upgrade honours {@code --cors-origin} as the HTTP routes do: a page from an origin
 * not listed cannot open the socket, even with the token.
 */
class SocketOriginTest {
  private static final String APP = "http://127.0.0.1:8080";
  private static final String EVIL = "http://evil.example";
  private static final String TOKEN = "s3cret";

  @Test
  void anUpgradeFromAnOriginNotListedGets403() throws IOException {
    try (GridServer server = server(new CorsPolicy(Set.of(APP)))) {
      String refused = upgrade(server.port(), EVIL);
      assertThat(refused).startsWith("HTTP/1.1 403").contains("origin_not_allowed", EVIL);
      assertThat(refused).doesNotContainIgnoringCase("Access-Control-Allow-Origin");

      assertThat(greeting(server.port(), APP)).isEqualTo("hello");
      // The node's own pages (the web app it serves) may always open a socket back to it.
      assertThat(greeting(server.port(), "http://127.0.0.1:" + server.port())).isEqualTo("hello");
      // Clients that are not browsers send no Origin.
      assertThat(greeting(server.port(), null)).isEqualTo("hello");
      assertThatThrownBy(() -> greeting(server.port(), EVIL))
          .isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(WebSocketHandshakeException.class)
          .satisfies(
              e ->
                  assertThat(
                          ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
                      .isEqualTo(403));
    }
  }

  @Test
  void anyOriginIsAllowedByDefault() {
    try (GridServer server = server(CorsPolicy.ANY)) {
      assertThat(greeting(server.port(), EVIL)).isEqualTo("hello");
    }
  }

  /** The raw answer to an upgrade request with the token, from {@code origin}. */
  private static String upgrade(int port, String origin) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /hello HTTP/1.1\r\n"
                  + "Host: 127.0.0.1:"
                  + port
                  + "\r\n"
                  + "Upgrade: websocket\r\n"
                  + "Connection: Upgrade\r\n"
                  + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  + "Sec-WebSocket-Version: 13\r\n"
                  + "Origin: "
                  + origin
                  + "\r\n"
                  + "Authorization: Bearer "
                  + TOKEN
                  + "\r\n"
                  + "Connection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      socket.shutdownOutput();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The first message the socket sends, opened with the token from {@code origin}. */
  private static String greeting(int port, String origin) {
    CompletableFuture<String> first = new CompletableFuture<>();
    WebSocket.Listener listener =
        new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            first.complete(data.toString());
            return null;
          }
        };
    try (HttpClient http = HttpClient.newHttpClient()) {
      WebSocket.Builder builder =
          http.newWebSocketBuilder().header("Authorization", "Bearer " + TOKEN);
      if (origin != null) {
        builder.header("Origin", origin);
      }
      WebSocket ws =
          builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/hello"), listener).join();
      try {
        return first.join();
      } finally {
        ws.abort();
      }
    }
  }

  private static GridServer server(CorsPolicy cors) {
    WsListener hello =
        new WsListener() {
          @Override
          public void onOpen(WsSession session) {
            session.send("hello", true);
          }
        };
    return GridServer.start(
        new GridServer.Config(
            new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of(TOKEN), cors),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            () -> true,
            List.of(routes -> routes.socket("/hello", () -> hello))));
  }
}
