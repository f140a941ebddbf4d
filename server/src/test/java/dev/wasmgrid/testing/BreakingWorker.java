package dev.wasmgrid.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A worker, at the socket level, whose model stream breaks off: it is ready, lists one model, and
 * answers {@code POST /v1/generate} with one whole event of a chunked event stream, then drops the
 * connection without the last chunk, as a worker that dies mid-generation does. Every other request
 * gets a 404. Each connection serves one request.
 */
public final class BreakingWorker implements AutoCloseable {
  /** The event sent before the connection is dropped. */
  public static final String EVENT = "event: token\ndata: {\"id\":7,\"token\":\"Hi\"}\n\n";

  private final ServerSocket server;
  private final String model;

  public BreakingWorker(String model) throws IOException {
    this.model = model;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::accept);
  }

  public int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        Thread.ofVirtual().start(() -> serve(socket));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      String head = head(in);
      long length = 0;
      for (String line : head.lines().toList()) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
      }
      in.readNBytes((int) length);
      String target = head.substring(0, head.indexOf("\r\n"));
      OutputStream out = socket.getOutputStream();
      if (target.startsWith("GET /health/")) {
        out.write(whole(200, "{\"status\":\"UP\"}"));
      } else if (target.startsWith("GET /v1/models ")) {
        out.write(whole(200, "{\"object\":\"list\",\"data\":[{\"id\":\"" + model + "\"}]}"));
      } else if (target.startsWith("POST /v1/generate ")) {
        byte[] event = EVENT.getBytes(StandardCharsets.UTF_8);
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(event.length)
                    + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(event);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        // Closing now ends the connection inside the chunked body: its last chunk never comes.
      } else {
        out.write(whole(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no route\"}}"));
      }
      out.flush();
    } catch (IOException e) {
      // the coordinator went away: nothing to answer
    }
  }

  private static String head(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed in the request head");
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  private static byte[] whole(int status, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head =
        "HTTP/1.1 "
            + status
            + (status == 200 ? " OK" : " Not Found")
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length
            + "\r\nConnection: close\r\n\r\n";
    byte[] all = new byte[head.length() + body.length];
    System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, all, 0, head.length());
    System.arraycopy(body, 0, all, head.length(), body.length);
    return all;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
