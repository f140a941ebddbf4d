package dev.wasmgrid.http;

import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The id of the request a thread is serving ({@code X-Request-Id}): taken from the client when it
 * sends a sensible one, made otherwise, returned on the answer, written in the access log and sent
 * on with every call to a worker, whose own log line then carries the same id. Work handed to other
 * threads keeps it through {@link #carrying}.
 */
public final class RequestIds {
  /** The header carrying the id, both ways. */
  public static final String HEADER = "X-Request-Id";

  private static final Pattern SENSIBLE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  // A per-thread slot, set by AccessLog for the request's duration and by carrying() for a task's:
  // the id belongs to the thread serving the request, not to any object on its way.
  private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

  private RequestIds() {}

  /** The id of the request this thread serves, if any. */
  public static Optional<String> current() {
    return Optional.ofNullable(CURRENT.get());
  }

  /** {@code task} run with this thread's request id, on whichever thread runs it. */
  public static Runnable carrying(Runnable task) {
    return carryingId(CURRENT.get(), task);
  }

  /** {@code task} run with this thread's request id, on whichever thread runs it. */
  public static <T> Callable<T> carryingResult(Callable<T> task) {
    String id = CURRENT.get();
    return () -> {
      String outer = CURRENT.get();
      set(id);
      try {
        return task.call();
      } finally {
        restore(outer);
      }
    };
  }

  /** The client's id when it is 1 to 128 of {@code A-Z a-z 0-9 . _ : -}, else a new one. */
  static String accept(Optional<String> sent) {
    return sent.filter(id -> SENSIBLE.matcher(id).matches())
        .orElseGet(() -> HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
  }

  /** Runs {@code serving} as request {@code id}. */
  static void serve(String id, Runnable serving) {
    carryingId(id, serving).run();
  }

  private static Runnable carryingId(String id, Runnable task) {
    return () -> {
      String outer = CURRENT.get();
      set(id);
      try {
        task.run();
      } finally {
        restore(outer);
      }
    };
  }

  private static void restore(String outer) {
    set(outer);
  }

  private static void set(String id) {
    if (id == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(id);
    }
  }
}
