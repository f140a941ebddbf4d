package dev.wasmgrid.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1 over a plain socket, for tests that must walk away from an answer half read. */
public final class RawHttp {
  private RawHttp() {}

  /** Connects to loopback {@code port} and sends a JSON POST; the caller reads and closes. */
  public static Socket postJson(int port, String path, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    OutputStream out = socket.getOutputStream();
    out.write(
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return socket;
  }

  /**
   * Connects to loopback {@code port} and sends a POST's headers and the first byte of a body that
   * declares {@code declared} bytes, then stalls: a slow or stuck client. The caller reads and
   * closes.
   */
  public static Socket stalledPost(int port, String path, long declared) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    // A guard against a hang only: every test reads an answer the server sends on its own.
    socket.setSoTimeout(20_000);
    OutputStream out = socket.getOutputStream();
    out.write(
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: "
                + declared
                + "\r\n\r\n{")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  /** An answer's status line and headers, up to the blank line that ends them. */
  public static String readHead(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (head.indexOf("\r\n\r\n") < 0) {
      int b = in.read();
      assertThat(b).as("the stream ended before the headers did: " + head).isNotNegative();
      head.append((char) b);
    }
    return head.toString();
  }

  /** Everything the server sends on {@code socket} until it closes the connection. */
  public static String readToEnd(Socket socket) throws IOException {
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    socket.getInputStream().transferTo(answer);
    return answer.toString(StandardCharsets.UTF_8);
  }

  /** Reads until {@code marker} has gone by, failing when the stream ends first. */
  public static void readUntil(InputStream in, String marker) throws IOException {
    StringBuilder seen = new StringBuilder();
    while (seen.indexOf(marker) < 0) {
      int b = in.read();
      assertThat(b).as("the stream ended before " + marker + ": " + seen).isNotNegative();
      seen.append((char) b);
    }
  }

  /**
   * Sends {@code head} (the request line and headers, without the blank line) then {@code body},
   * shuts down the sending side, and returns everything the server answered until it closed. A
   * request that declares more body than it sends is how a client that died mid-upload looks.
   */
  public static String exchange(int port, String head, byte[] body) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      // A guard against a hang only: the server answers at once, or the test fails.
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      out.write((head + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      socket.shutdownOutput();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      socket.getInputStream().transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    }
  }
}
