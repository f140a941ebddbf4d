package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.coordinator.WebAppService;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@code HEAD} is answered wherever {@code GET} is, with the same status and headers and no body,
 * over a real socket: a body sent by mistake would stand where the next answer must begin.
 */
class HeadTest {
  private static final String TOKEN = "Authorization: Bearer s3cret\r\n";
  private static final int BIG = 3 << 20; // past GridServer's write chunk: the streamed path

  /** One answer as read off the wire, with the length of the body that followed its headers. */
  private record Answer(int status, Map<String, String> headers, int bodyLength) {
    String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }
  }

  @Test
  void headGetsGetsStatusAndHeadersWithoutTheBody() throws IOException {
    try (GridServer server = server();
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      for (String[] route :
          List.of(
              new String[] {"/health/live", ""},
              new String[] {"/", ""},
              new String[] {"/app/main.js", ""},
              new String[] {"/v1/thing", TOKEN},
              new String[] {"/v1/items/7", TOKEN},
              new String[] {"/v1/big", TOKEN},
              new String[] {"/v1/items/7", ""})) { // 401 without the token
        String path = route[0];
        // HEAD then GET on one connection: a HEAD body would be read as the GET's status line.
        Answer head = exchange(socket, "HEAD", path, route[1]);
        Answer get = exchange(socket, "GET", path, route[1]);
        assertThat(head.status()).as(path).isEqualTo(get.status());
        assertThat(head.header("Content-Type")).as(path).isEqualTo(get.header("Content-Type"));
        assertThat(head.header("Content-Length"))
            .as(path)
            .isEqualTo(Integer.toString(get.bodyLength()));
        assertThat(head.header("ETag")).as(path).isEqualTo(get.header("ETag"));
      }
      assertThat(exchange(socket, "HEAD", "/v1/nothing", TOKEN).status()).isEqualTo(404);
      Answer metrics = exchange(socket, "HEAD", "/metrics", TOKEN);
      assertThat(metrics.status()).isEqualTo(200);
      assertThat(metrics.header("Content-Type")).startsWith("text/plain");
      assertThat(Long.parseLong(metrics.header("Content-Length"))).isPositive();
      assertThat(exchange(socket, "GET", "/v1/big", TOKEN).bodyLength()).isEqualTo(BIG);
    }
  }

  @Test
  void allowNamesHeadBesideGetAndHeadElsewhereIs405() throws IOException {
    try (GridServer server = server();
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      Answer post = exchange(socket, "HEAD", "/echo", TOKEN);
      assertThat(post.status()).isEqualTo(405);
      assertThat(post.header("Allow")).isEqualTo("POST");
      Answer postRoute = exchange(socket, "HEAD", "/v1/only", TOKEN);
      assertThat(postRoute.status()).isEqualTo(405);
      assertThat(postRoute.header("Allow")).isEqualTo("POST");
      assertThat(exchange(socket, "PUT", "/v1/items/7", TOKEN).header("Allow"))
          .isEqualTo("DELETE, GET, HEAD");
      assertThat(exchange(socket, "PUT", "/v1/thing", TOKEN).header("Allow"))
          .isEqualTo("GET, HEAD");
      assertThat(exchange(socket, "POST", "/health/ready", "").header("Allow"))
          .isEqualTo("GET, HEAD");
    }
  }

  private static GridServer server() {
    byte[] big = new byte[BIG];
    Arrays.fill(big, (byte) 'x');
    return GridServer.start(
        new GridServer.Config(
            new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of("s3cret")),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            () -> true,
            List.of(
                routes ->
                    routes
                        .postBody(
                            "/echo",
                            (contentType, body, query) -> new Reply(200, contentType, body))
                        .get("/v1/thing", () -> Reply.json(200, "{\"thing\":1}"))
                        .get(
                            "/v1/big",
                            () ->
                                Reply.streamed(
                                    "application/octet-stream", BIG, out -> out.write(big)))
                        .get(
                            "/v1/items/{id}",
                            req -> Reply.json(200, "{\"id\":\"" + req.param("id") + "\"}"))
                        .delete("/v1/items/{id}", req -> Reply.noContent())
                        .post("/v1/only", req -> Reply.noContent()),
                new WebAppService("dev/wasmgrid/web/testapp"))));
  }

  /** Sends one request on the connection and reads one answer: its body by Content-Length. */
  private static Answer exchange(Socket socket, String method, String path, String headers)
      throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(
        (method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    List<String> lines = readHeaders(in).lines().toList();
    Map<String, String> fields = new TreeMap<>();
    for (String line : lines.subList(1, lines.size())) {
      int colon = line.indexOf(':');
      fields.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    int status = Integer.parseInt(lines.get(0).substring(9, 12));
    int length =
        method.equals("HEAD") ? 0 : Integer.parseInt(fields.getOrDefault("content-length", "0"));
    return new Answer(status, fields, in.readNBytes(length).length);
  }

  private static String readHeaders(InputStream in) throws IOException {
    StringBuilder seen = new StringBuilder();
    while (seen.length() < 4 || seen.lastIndexOf("\r\n\r\n") != seen.length() - 4) {
      int b = in.read();
      assertThat(b).as("the answer ended inside its headers: " + seen).isNotNegative();
      seen.append((char) b);
      if (seen.length() == 9) {
        assertThat(seen.toString()).as("an answer's first bytes").isEqualTo("HTTP/1.1 ");
      }
    }
    return seen.substring(0, seen.length() - 4);
  }
}
