package dev.wasmgrid.http;

import java.io.IOException;
import java.net.BindException;

/**
 * A server could not listen on its address: the port is taken, or the address is not this
 * machine's, or the port is not this user's to take. The message is one line naming both.
 */
public final class ListenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int port;

  ListenException(String host, int port, Exception cause) {
    super(describe(host, port, cause), cause);
    this.port = port;
  }

  /** The port that could not be listened on. */
  public int port() {
    return port;
  }

  private static String describe(String host, int port, Exception cause) {
    String reason = cause == null ? null : cause.getMessage();
    if (cause instanceof BindException && reason != null && reason.contains("in use")) {
      return "port "
          + port
          + " on "
          + host
          + " is already in use; stop what holds it or choose another --port";
    }
    String detail =
        cause == null
            ? "the server did not start"
            : cause instanceof IOException && reason != null
                ? reason
                : cause.getClass().getSimpleName() + (reason == null ? "" : ": " + reason);
    return "cannot listen on " + host + ":" + port + ": " + detail;
  }
}
