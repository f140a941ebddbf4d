package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.websocket.WsRouting;
import io.helidon.websocket.WsListener;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server every role runs: the routes its {@link Service}s declare, plus health, metrics,
 * limits and uniform errors (404 for unknown routes, 405 with {@code Allow} for a wrong method, 413
 * over the body limit, 500 without a stack trace). Helidon SE serves each request on a virtual
 * thread.
 */
public final class GridServer implements AutoCloseable {
  /** Largest piece of an answer handed to the socket at once (see {@link #write}). */
  private static final int WRITE_CHUNK = 1 << 20;

  /** The methods a path with a {@code GET} handler allows: {@code HEAD} is served with it. */
  private static final Set<String> GET = Set.of("GET", "HEAD");

  /** The option that sets {@link Limits#maxBodyBytes()}, named in 413 answers. */
  private static final String MAX_BODY_FLAG = "--max-body";

  /** The health probes: open without a token, never refused for load, served while draining. */
  static final Set<String> PROBES = Set.of("/health/live", "/health/ready");

  /** Routes every server has: the probes and the metrics. */
  static final Set<String> BUILT_IN = Set.of("/health/live", "/health/ready", "/metrics");

  private final WebServer server;
  private final ReadDeadlines deadlines;
  private final RequestDrain drain;

  private GridServer(WebServer server, ReadDeadlines deadlines, RequestDrain drain) {
    this.server = server;
    this.deadlines = deadlines;
    this.drain = drain;
  }

  /**
   * What a server needs to start.
   *
   * @param server where to listen, limits, the token (required on every route but the health probes
   *     and the services' public routes) and which web origins may call
   * @param registry the meters, scraped at {@code /metrics}
   * @param ready whether {@code /health/ready} answers 200
   * @param services what the server serves: each declares its routes
   */
  public record Config(
      ServerSettings server,
      PrometheusMeterRegistry registry,
      BooleanSupplier ready,
      List<Service> services) {
    public Config {
      services = List.copyOf(services);
      if (server.token().isPresent() && server.token().get().isBlank()) {
        throw new IllegalArgumentException("the token must not be blank");
      }
    }
  }

  /**
   * Starts a server; port 0 picks a free one (see {@link #port()}).
   *
   * @throws ListenException when it cannot listen on its host and port
   */
  public static GridServer start(Config config) {
    String host = config.server().host();
    int port = config.server().port();
    // Helidon logs a bind failure with a stack trace and returns a stopped server; a free port
    // is checked first so that the usual case, a port taken, is one clear line.
    checkListenable(host, port);
    Routes table = Routes.of(config.services());
    Set<String> routes = new HashSet<>(table.posts().keySet());
    routes.addAll(table.views().keySet());
    routes.addAll(table.puts().keySet());
    routes.addAll(BUILT_IN);
    ReadTimeouts timeouts = config.server().limits().timeouts();
    ReadDeadlines deadlines = new ReadDeadlines(timeouts);
    RequestDrain drain = new RequestDrain(table.posts());
    WebServer server;
    try {
      server =
          WebServer.builder()
              .host(host)
              .port(port)
              // Helidon's own hook would stop the server at once on SIGTERM, cutting off the
              // requests that drain() lets finish; the owner stops it (see close()).
              .shutdownHook(false)
              // Bodies are bounded by RequestBodies, which answers in our own error format.
              .maxPayloadSize(-1)
              // Requests in service are bounded by RequestSlots, which lets the health probes by.
              .maxConcurrentRequests(-1)
              .addProtocol(Http1Config.builder().addReceiveListener(deadlines).build())
              // Helidon's idle timeout closes a connection that waits for a request line.
              .idleConnectionTimeout(timeouts.idle())
              .idleConnectionPeriod(idleCheckPeriod(timeouts.idle()))
              // No Nagle: an answer's headers and a body under one loopback segment (64 KiB) are
              // two writes, and the second waited for the client's delayed ACK (~40 ms).
              .connectionOptions(socket -> socket.tcpNoDelay(true))
              .directHandlers(
                  d -> {
                    d.addHandler(DirectHandler.EventType.BAD_REQUEST, GridServer::directError);
                    d.addHandler(
                        DirectHandler.EventType.PAYLOAD_TOO_LARGE, GridServer::directError);
                    d.addHandler(DirectHandler.EventType.OTHER, GridServer::directError);
                  })
              .routing(r -> routing(r, config, table, routes, deadlines, drain))
              .update(b -> sockets(b, config, table))
              .build()
              .start();
    } catch (RuntimeException e) {
      deadlines.close();
      throw e;
    }
    if (!server.isRunning()) {
      deadlines.close();
      // Taken between the check and the bind.
      throw new ListenException(host, port, null);
    }
    return new GridServer(server, deadlines, drain);
  }

  /** A fifth of the idle timeout, so a connection is closed at most 20% past it; 10 s at most. */
  private static Duration idleCheckPeriod(Duration idle) {
    return Duration.ofMillis(Math.clamp(idle.toMillis() / 5, 10, 10_000));
  }

  /**
   * Checks that a server could listen on {@code host:port} now, by binding and releasing it; port 0
   * always can.
   *
   * @throws ListenException naming the port when it is taken or not this user's to take, or the
   *     host when it is not this machine's
   */
  public static void checkListenable(String host, int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocketChannel probe = ServerSocketChannel.open()) {
      // As the server binds: a port left in TIME_WAIT by a previous run is free.
      probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      probe.bind(new InetSocketAddress(host, port));
    } catch (IOException | UnresolvedAddressException | UnsupportedAddressTypeException e) {
      throw new ListenException(host, port, e);
    }
  }

  private static void sockets(WebServerConfig.Builder builder, Config config, Routes table) {
    if (table.sockets().isEmpty()) {
      return;
    }
    WsRouting.Builder ws = WsRouting.builder();
    for (SocketRoute route : table.sockets()) {
      ws.endpoint(
          route.pattern(),
          () -> {
            WsListener listener = route.listeners().get();
            return new SocketGuard(config.server().cors(), config.server().token(), listener);
          });
    }
    builder.addRouting(ws);
  }

  private static void routing(
      HttpRouting.Builder r,
      Config config,
      Routes table,
      Set<String> routes,
      ReadDeadlines deadlines,
      RequestDrain drain) {
    r.addFilter(
        new HttpMetrics(
            config.registry(),
            routes,
            allHandlers(table).stream().map(Route::pattern).distinct().toList()));
    r.addFilter(new UnreadBodies());
    r.addFilter(deadlines);
    r.addFilter(new Cors(config.server().cors()));
    // Before the token check: a stopping node refuses everyone alike, and says nothing else.
    r.addFilter(drain);
    r.addFilter(
        new BodyLeases(
            new BodyBudget(config.server().limits().bodyMemoryBytes()), config.registry()));
    config
        .server()
        .token()
        .ifPresent(
            token ->
                r.addFilter(
                    new TokenAuth(
                        token,
                        table.posts(),
                        table.publicHandlers().stream().map(Route::pattern).toList())));
    // After the token check: a request refused 401 takes no slot.
    r.addFilter(new RequestSlots(config.server().limits().maxConcurrentRequests()));
    get(r, "/health/live", (req, res) -> sendJson(res, 200, "{\"status\":\"UP\"}"));
    get(
        r,
        "/health/ready",
        (req, res) -> {
          if (drain.draining()) {
            // First to say so, for the load balancer to stop sending work here.
            sendJson(res, 503, "{\"status\":\"DRAINING\"}");
            return;
          }
          boolean ready = config.ready().getAsBoolean();
          sendJson(res, ready ? 200 : 503, ready ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
        });
    get(
        r,
        "/metrics",
        (req, res) -> {
          res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
          res.send(config.registry().scrape().getBytes(StandardCharsets.UTF_8));
        });
    // Every method's handler first, then one 405 per path naming what it allows: Helidon takes
    // the first route that matches.
    Map<String, Set<String>> allowed = new TreeMap<>();
    for (String path : BUILT_IN) {
      allowed.computeIfAbsent(path, p -> new TreeSet<>()).addAll(GET);
    }
    table
        .views()
        .forEach(
            (path, view) -> {
              get(r, path, (req, res) -> write(res, view.get(), null));
              allowed.computeIfAbsent(path, p -> new TreeSet<>()).addAll(GET);
            });
    table
        .posts()
        .forEach(
            (path, endpoint) -> {
              r.post(path, (req, res) -> serve(req, res, endpoint, config.server().limits()));
              allowed.computeIfAbsent(path, p -> new TreeSet<>()).add("POST");
            });
    table
        .puts()
        .forEach(
            (path, endpoint) -> {
              r.put(path, (req, res) -> serve(req, res, endpoint, config.server().limits()));
              allowed.computeIfAbsent(path, p -> new TreeSet<>()).add("PUT");
            });
    allowed.forEach(
        (path, methods) -> {
          String allow = String.join(", ", methods);
          Endpoint endpoint = table.posts().get(path);
          Failure error = wrongMethod(path, allow);
          r.any(
              path,
              (req, res) ->
                  write(
                      HeadResponse.of(req, res),
                      endpoint == null ? ErrorBodies.plain(error) : endpoint.error(error),
                      allow));
        });
    patternRoutes(r, allHandlers(table));
    r.any(
        (req, res) ->
            write(
                HeadResponse.of(req, res),
                ErrorBodies.plain(
                    new Failure(
                        Failure.Kind.NOT_FOUND,
                        "not_found",
                        "",
                        "no route "
                            + req.prologue().method().text()
                            + " "
                            + req.path().path()
                            + "; see docs/api.md")),
                null));
  }

  private static List<Route> allHandlers(Routes table) {
    return Stream.concat(table.handlers().stream(), table.publicHandlers().stream()).toList();
  }

  /**
   * Registers the pattern routes after the exact paths (Helidon takes the first match, so an exact
   * path such as {@code /v1/jobs/matmul} wins over {@code /v1/jobs/{id}}), then a 405 per pattern.
   */
  private static void patternRoutes(HttpRouting.Builder r, List<Route> routes) {
    Map<String, Set<String>> allowed = new LinkedHashMap<>();
    for (Route route : routes) {
      r.route(Method.create(route.method()), route.pattern(), (req, res) -> serve(req, res, route));
      Set<String> methods = allowed.computeIfAbsent(route.pattern(), p -> new TreeSet<>());
      methods.add(route.method());
      if (route.method().equals("GET")) {
        r.head(route.pattern(), (req, res) -> serve(req, HeadResponse.of(req, res), route));
        methods.add("HEAD");
      }
    }
    allowed.forEach(
        (pattern, methods) -> {
          String allow = String.join(", ", methods);
          Failure error = wrongMethod(pattern, allow);
          r.any(
              pattern,
              (req, res) -> write(HeadResponse.of(req, res), ErrorBodies.plain(error), allow));
        });
  }

  /**
   * Serves {@code GET path} with {@code handler}, and {@code HEAD path} with the same handler
   * writing to a {@link HeadResponse}: the same status and headers, no body.
   */
  private static void get(HttpRouting.Builder r, String path, Handler handler) {
    r.get(path, handler);
    r.head(path, (req, res) -> handler.handle(req, HeadResponse.of(req, res)));
  }

  private static void serve(ServerRequest req, ServerResponse res, Route route) {
    Reply error;
    try {
      route.handler().handle(req, res);
      return;
    } catch (Failure e) {
      error = ErrorBodies.plain(e);
    } catch (OutOfMemoryError e) {
      // What the request allocated is garbage once we answer; the server keeps serving.
      error = ErrorBodies.plain(Failure.outOfMemory());
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(GridServer.class).error("request failed", e);
      error =
          ErrorBodies.plain(
              new Failure(
                  Failure.Kind.INTERNAL,
                  "internal",
                  "",
                  "internal error: " + e.getClass().getName()));
    }
    if (!res.isSent()) {
      write(res, error, null);
    }
  }

  /** Writes a reply, its extra headers included: for {@link Route} handlers. */
  public static void send(ServerResponse res, Reply reply) {
    write(res, reply, null);
  }

  /**
   * Reads a {@link Route} request's body, holding at most {@code limit} bytes.
   *
   * @throws Failure 413 {@code body_too_large} past the limit, 400 {@code truncated_body}
   */
  public static byte[] body(ServerRequest req, long limit) {
    return RequestBodies.read(req, limit, MAX_BODY_FLAG);
  }

  private static void serve(
      ServerRequest req, ServerResponse res, Endpoint endpoint, Limits limits) {
    Reply reply;
    try {
      String contentType = req.headers().contentType().map(t -> t.text()).orElse("");
      Map<String, String> query = new HashMap<>();
      req.query().names().forEach(name -> query.put(name, req.query().get(name)));
      long limit = endpoint.maxBodyBytes(contentType, limits);
      // A limit other than --max-body is a binary product's, which --max-dim sets.
      String flag = limit == limits.maxBodyBytes() ? MAX_BODY_FLAG : "two f64 frames of --max-dim";
      long length = RequestBodies.declaredLength(req, limit, flag);
      if (endpoint instanceof StreamedEndpoint streamed
          && length >= 0
          && req.content().hasEntity()
          && streamed.streams(contentType)) {
        try (InputStream in = RequestBodies.open(req, length)) {
          reply = streamed.serve(contentType, in, length, query, RequestBodies.lease(req));
        }
      } else {
        reply = endpoint.serve(contentType, RequestBodies.read(req, limit, flag), query);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the request body failed", e);
    } catch (Failure e) {
      reply = endpoint.error(e);
    } catch (OutOfMemoryError e) {
      // A body up to the limit did not fit in the heap; it is garbage once we answer.
      reply = endpoint.error(Failure.outOfMemory());
    }
    write(res, reply, null);
  }

  private static Failure wrongMethod(String path, String allowed) {
    return new Failure(
        Failure.Kind.WRONG_METHOD,
        "method_not_allowed",
        "",
        path + " accepts " + allowed + " only");
  }

  private static void write(ServerResponse res, Reply reply, String allow) {
    res.status(Status.create(reply.status()));
    res.header(HeaderNames.CONTENT_TYPE, reply.contentType());
    reply.headers().forEach(res::header);
    if (allow != null) {
      res.header(HeaderNames.ALLOW, allow);
    }
    if (reply.length() <= WRITE_CHUNK) {
      res.send(reply.body());
      return;
    }
    // A socket write from a heap array goes through a temporary native buffer of the whole
    // write, cached per thread; request threads are virtual and short-lived, so one 128 MB
    // write would map, zero and free 128 MB every time (profiled: the largest kernel cost of a
    // distributed product). Chunks keep that buffer at one chunk.
    res.header(HeaderNames.CONTENT_LENGTH, Long.toString(reply.length()));
    try (OutputStream out = res.outputStream()) {
      reply.writeTo(out, WRITE_CHUNK);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the answer failed", e);
    }
  }

  private static void sendJson(ServerResponse res, int status, String json) {
    write(res, Reply.json(status, json), null);
  }

  /** Errors Helidon answers before routing: malformed HTTP. */
  private static DirectHandler.TransportResponse directError(
      DirectHandler.TransportRequest request,
      DirectHandler.EventType event,
      Status status,
      io.helidon.http.ServerResponseHeaders headers,
      String message) {
    String code = status.code() == 413 ? "body_too_large" : "bad_http";
    String text = message == null ? status.reasonPhrase() : message;
    Reply reply =
        ErrorBodies.plain(new Failure(HttpStatuses.kindOf(status.code()), code, "", text));
    return DirectHandler.TransportResponse.builder()
        .status(status)
        .headers(headers)
        .header(HeaderNames.CONTENT_TYPE, reply.contentType())
        .entity(reply.body())
        .build();
  }

  /** The port the server listens on. */
  public int port() {
    return server.port();
  }

  /**
   * Starts a graceful stop: {@code /health/ready} answers 503 {@code DRAINING} and new requests 503
   * {@code shutting_down} with {@code Retry-After}; those in service go on. {@code /health/live}
   * and {@code /metrics} are still served.
   */
  public void drain() {
    drain.start();
  }

  /**
   * After {@link #drain()}: waits until the requests in service have returned, or until {@code
   * deadline}.
   *
   * @return how many were still in service at the deadline (0 when all finished)
   */
  public int awaitRequests(Instant deadline) throws InterruptedException {
    return drain.awaitIdle(deadline);
  }

  /** Stops at once: requests still in service are cut off. */
  @Override
  public void close() {
    server.stop();
    deadlines.close();
  }
}
