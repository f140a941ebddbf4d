package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.openapi.OpenApiDocument;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * How a {@link GridServer} routes: the filters every request passes (metrics, unread bodies, read
 * deadlines, CORS, drain, body memory, token, slots), the built-in probes, metrics and the API's
 * description, then the routes its services declared, exact paths before patterns, each path's 405
 * naming what it allows, and a 404 for the rest; and how each answer is written.
 */
final class ServerRouting {
  /** Largest piece of an answer handed to the socket at once (see {@link #write}). */
  private static final int WRITE_CHUNK = 1 << 20;

  /** The methods a path with a {@code GET} handler allows: {@code HEAD} is served with it. */
  private static final Set<String> GET = Set.of("GET", "HEAD");

  private ServerRouting() {}

  static void routing(
      HttpRouting.Builder r,
      GridServer.Config config,
      Routes table,
      Set<String> routes,
      ReadDeadlines deadlines,
      RequestDrain drain,
      Supplier<String> description) {
    RouteLabels labels =
        new RouteLabels(
            routes, allHandlers(table).stream().map(Route::pattern).distinct().toList());
    r.addFilter(new AccessLog(labels));
    r.addFilter(new HttpMetrics(config.registry(), labels));
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
    get(r, OpenApiDocument.PATH, (req, res) -> sendJson(res, 200, description.get()));
    // Every method's handler first, then one 405 per path naming what it allows: Helidon takes
    // the first route that matches.
    Map<String, Set<String>> allowed = new TreeMap<>();
    for (String path : GridServer.BUILT_IN) {
      allowed.computeIfAbsent(path, p -> new TreeSet<>()).addAll(GET);
    }
    allowed.computeIfAbsent(OpenApiDocument.PATH, p -> new TreeSet<>()).addAll(GET);
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
    write(res, RouteTable.invoke(route, new ServerRequestView(req)), null);
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
      String flag =
          limit == limits.maxBodyBytes() ? GridServer.MAX_BODY_FLAG : "two f64 frames of --max-dim";
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

  static Failure wrongMethod(String path, String allowed) {
    return new Failure(
        Failure.Kind.WRONG_METHOD,
        "method_not_allowed",
        "",
        path + " accepts " + allowed + " only");
  }

  static void write(ServerResponse res, Reply reply, String allow) {
    res.status(Status.create(reply.status()));
    res.header(HeaderNames.CONTENT_TYPE, reply.contentType());
    reply.headers().forEach(res::header);
    if (allow != null) {
      res.header(HeaderNames.ALLOW, allow);
    }
    if (reply.length() >= 0 && reply.length() <= WRITE_CHUNK) {
      res.send(reply.body());
      return;
    }
    // A socket write from a heap array goes through a temporary native buffer of the whole
    // write, cached per thread; request threads are virtual and short-lived, so one 128 MB
    // write would map, zero and free 128 MB every time (profiled: the largest kernel cost of a
    // distributed product). Chunks keep that buffer at one chunk. A body of no declared length
    // (events) goes chunked.
    if (reply.length() >= 0) {
      res.header(HeaderNames.CONTENT_LENGTH, Long.toString(reply.length()));
    }
    try (OutputStream out = res.outputStream()) {
      if (!(res instanceof HeadResponse)) {
        // HEAD gets the headers only, and a stream that never ends is never started.
        reply.writeTo(out, WRITE_CHUNK);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing the answer failed", e);
    }
  }

  /** Writes a reply, its extra headers included: for the filters that answer themselves. */
  static void send(ServerResponse res, Reply reply) {
    write(res, reply, null);
  }

  private static void sendJson(ServerResponse res, int status, String json) {
    write(res, Reply.json(status, json), null);
  }
}
