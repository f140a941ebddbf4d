package dev.wasmgrid.http;

import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Answers 408 and closes a connection whose client stalls in the middle of a request: headers that
 * do not all arrive within {@link ReadTimeouts#headers()} of the request line, or a body the server
 * is reading that goes {@link ReadTimeouts#body()} without a byte. A stalled body held its request
 * slot for as long as the client kept the connection, so a few hundred clients that sent one byte
 * locked everyone out.
 *
 * <p>Helidon has no such timeouts: its idle timeout closes only a connection waiting for a request
 * line (which is what {@link ReadTimeouts#idle()} sets), and a blocking read of a socket channel
 * cannot time out; closing the connection is the one way to end it. So each connection's {@link
 * ClientWait} is found through the thread that serves it (Helidon serves an HTTP/1.1 connection's
 * requests on its own thread), and one checker thread fires the waits that outlast their timeout
 * and forgets the connections that have closed.
 */
final class ReadDeadlines implements Http1ConnectionListener, Filter, AutoCloseable {
  /** How long a fired connection's 408 may take to write before it is closed anyway. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

  private final ReadTimeouts timeouts;

  /** The wait of each open connection that has sent a request line, by the thread serving it. */
  private final Map<Thread, ClientWait> watched = new ConcurrentHashMap<>();

  private final ScheduledExecutorService checker =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("read-deadlines").factory());

  ReadDeadlines(ReadTimeouts timeouts) {
    this.timeouts = timeouts;
    // A quarter of the shorter timeout: a stalled client is dropped within 25% of it.
    long period =
        Math.clamp(
            timeouts.headers().compareTo(timeouts.body()) < 0
                ? timeouts.headers().toMillis() / 4
                : timeouts.body().toMillis() / 4,
            10,
            1000);
    Future<?> unused =
        checker.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
  }

  @Override
  public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
    ClientWait wait = watched.get(Thread.currentThread());
    if (wait == null || !wait.serves(ctx)) {
      wait = new ClientWait(ctx, timeouts);
      watched.put(Thread.currentThread(), wait);
    }
    wait.begin(ClientWait.Phase.HEADERS);
  }

  @Override
  public void headers(ConnectionContext ctx, Headers headers) {
    ClientWait wait = watched.get(Thread.currentThread());
    if (wait != null && !wait.end()) {
      throw new CloseConnectionException("the request's headers timed out");
    }
  }

  /** Hands the connection's wait to the request, for {@link BodyStream} to time its reads. */
  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    ClientWait wait = watched.get(Thread.currentThread());
    if (wait != null) {
      req.context().register(wait);
    }
    chain.proceed();
  }

  private void check() {
    long now = System.nanoTime();
    for (Iterator<ClientWait> it = watched.values().iterator(); it.hasNext(); ) {
      ClientWait wait = it.next();
      try {
        if (wait.isClosed()) {
          it.remove();
        } else if (wait.expire(now)) {
          it.remove();
          // Writing may block on a client that reads nothing either: not on this thread.
          Thread.ofVirtual().name("read-deadline-answer").start(wait::answerAndClose);
          Future<?> unused =
              checker.schedule(wait::close, CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (RuntimeException e) {
        // One connection's failure must not stop the checks of all the others.
        LoggerFactory.getLogger(ReadDeadlines.class).warn("checking a connection failed", e);
      }
    }
  }

  @Override
  public void close() {
    checker.shutdownNow();
  }
}
