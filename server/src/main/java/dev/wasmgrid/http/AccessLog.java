package dev.wasmgrid.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request on the logger {@code wasmgrid.access}: method, route, status, duration,
 * bytes sent and the request id ({@link RequestIds}), which the answer carries in {@code
 * X-Request-Id} and calls to workers pass on. Written once the answer is sent (a stream, when it
 * ends).
 */
final class AccessLog implements Filter {
  private static final Logger LOG = LoggerFactory.getLogger("wasmgrid.access");
  private static final HeaderName HEADER = HeaderNames.create(RequestIds.HEADER);

  private final RouteLabels routes;

  AccessLog(RouteLabels routes) {
    this.routes = routes;
  }

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    long start = System.nanoTime();
    String id = RequestIds.accept(req.headers().first(HEADER));
    res.header(HEADER, id);
    // The line is written while the id is still the thread's, so a log that shows ids per line
    // (--log-format json) carries it too.
    RequestIds.serve(
        id,
        () -> {
          try {
            chain.proceed();
          } finally {
            if (LOG.isInfoEnabled()) {
              LOG.info(
                  "{} {} {} {} ms {} B id={}",
                  req.prologue().method().text(),
                  routes.of(req),
                  res.status().code(),
                  String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e6),
                  res.bytesWritten(),
                  id);
            }
          }
        });
  }
}
