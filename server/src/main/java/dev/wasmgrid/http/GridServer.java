package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.openapi.OpenApiDocument;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.websocket.WsRouting;
import io.helidon.websocket.WsListener;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The HTTP server every role runs: the routes its {@link Service}s declare, plus health, metrics,
 * their OpenAPI description ({@link OpenApiDocument}), limits and uniform errors (404 for unknown
 * routes, 405 with {@code Allow} for a wrong method, 413 over the body limit, 500 without a stack
 * trace). Helidon SE serves each request on a virtual thread.
 */
public final class GridServer implements AutoCloseable {
  /** The option that sets {@link Limits#maxBodyBytes()}, named in 413 answers. */
  static final String MAX_BODY_FLAG = "--max-body";

  /** The health probes: open without a token, never refused for load, served while draining. */
  static final Set<String> PROBES = Set.of("/health/live", "/health/ready");

  /** Routes every server has: the probes and the metrics. */
  static final Set<String> BUILT_IN = Set.of("/health/live", "/health/ready", "/metrics");

  /** Routes open without a token: the probes and the API's description, which holds no secret. */
  static final Set<String> OPEN = Set.of("/health/live", "/health/ready", OpenApiDocument.PATH);

  private final WebServer server;
  private final ReadDeadlines deadlines;
  private final RequestDrain drain;
  private final ProcessMetrics processMetrics;

  private GridServer(
      WebServer server,
      ReadDeadlines deadlines,
      RequestDrain drain,
      ProcessMetrics processMetrics) {
    this.server = server;
    this.deadlines = deadlines;
    this.drain = drain;
    this.processMetrics = processMetrics;
  }

  /**
   * What a server needs to start.
   *
   * @param server where to listen, limits, the token (required on every route but the health
   *     probes, the API's description and the services' public routes) and which web origins may
   *     call
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
    routes.add(OpenApiDocument.PATH);
    LazyDescription description = new LazyDescription(served(table));
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
              .routing(
                  r ->
                      ServerRouting.routing(
                          r, config, table, routes, deadlines, drain, description))
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
    return new GridServer(server, deadlines, drain, new ProcessMetrics(config.registry()));
  }

  /** Every route a server of {@code table} answers: the built-in ones, then the services'. */
  static List<DeclaredRoute> served(Routes table) {
    List<DeclaredRoute> routes = new ArrayList<>();
    Stream.concat(BUILT_IN.stream().sorted(), Stream.of(OpenApiDocument.PATH))
        .forEach(path -> routes.add(new DeclaredRoute("GET", path, OPEN.contains(path))));
    routes.addAll(table.declared());
    return routes;
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
    processMetrics.close();
  }
}
