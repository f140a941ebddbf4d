package dev.wasmgrid.http;

import io.helidon.websocket.WsListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The routes {@link Service}s declare, which {@link GridServer} then serves with the same token
 * check, limits, metrics and errors. Three kinds of handler:
 *
 * <ul>
 *   <li>a view ({@code Supplier<Reply>}): a {@code GET} of a fixed path without parameters;
 *   <li>an {@link Endpoint}: a {@code POST} or {@code PUT} of a fixed path whose whole body (or a
 *       {@link StreamedEndpoint}'s arriving body) becomes one {@link Reply}, bounded by the limits,
 *       with errors in the route's own shape ({@link Endpoint#error});
 *   <li>a {@link Route.Handler}: any method on a path pattern with parameters ({@code
 *       /v1/jobs/{id}}), taking a {@link Request}.
 * </ul>
 *
 * <p>All three are transport-neutral: a {@link RouteTable} serves them in-process, as the
 * coordinator's in-process worker does. {@code GET} is served for {@code HEAD} too. A method and
 * pattern may be declared once.
 */
public final class Routes {
  private final Map<String, Endpoint> posts = new LinkedHashMap<>();
  private final Map<String, Endpoint> puts = new LinkedHashMap<>();
  private final Map<String, Supplier<Reply>> views = new LinkedHashMap<>();
  private final List<Route> handlers = new ArrayList<>();
  private final List<Route> publicHandlers = new ArrayList<>();
  private final List<SocketRoute> sockets = new ArrayList<>();
  private final Set<String> declared = new HashSet<>();
  private final List<DeclaredRoute> inOrder = new ArrayList<>();

  /** The routes of {@code services}, in order. */
  public static Routes of(List<? extends Service> services) {
    Routes routes = new Routes();
    services.forEach(service -> service.routing(routes));
    return routes;
  }

  /** {@code GET path}: a view of a fixed path. */
  public Routes get(String path, Supplier<Reply> view) {
    declare("GET", exact(path));
    views.put(path, view);
    return this;
  }

  /** {@code GET pattern}, answered by {@code handler}. */
  public Routes get(String pattern, Route.Handler handler) {
    return handle("GET", pattern, handler);
  }

  /** {@code POST path}: a body in, a reply out. */
  public Routes postBody(String path, Endpoint endpoint) {
    declare("POST", exact(path));
    posts.put(path, endpoint);
    return this;
  }

  /** {@code POST pattern}, answered by {@code handler}. */
  public Routes post(String pattern, Route.Handler handler) {
    return handle("POST", pattern, handler);
  }

  /** {@code PUT path}: a body in, a reply out. */
  public Routes putBody(String path, Endpoint endpoint) {
    declare("PUT", exact(path));
    puts.put(path, endpoint);
    return this;
  }

  /** {@code PUT pattern}, answered by {@code handler}. */
  public Routes put(String pattern, Route.Handler handler) {
    return handle("PUT", pattern, handler);
  }

  /** {@code DELETE pattern}, answered by {@code handler}. */
  public Routes delete(String pattern, Route.Handler handler) {
    return handle("DELETE", pattern, handler);
  }

  /**
   * {@code GET pattern} served without the token (the web app's files); the pattern is an exact
   * path or ends with {@code /*}.
   */
  public Routes publicGet(String pattern, Route.Handler handler) {
    boolean wildcard = pattern.indexOf('*') >= 0;
    if (pattern.indexOf('{') >= 0 || (wildcard && !pattern.endsWith("/*"))) {
      throw new IllegalArgumentException(
          "a public route is an exact path or a prefix ending in /*: " + pattern);
    }
    declare("GET", pattern, true);
    publicHandlers.add(new Route("GET", pattern, handler));
    return this;
  }

  /** A WebSocket endpoint; the token is checked on the upgrade (see {@link SocketRoute}). */
  public Routes socket(String pattern, Supplier<WsListener> listeners) {
    declare("WS", pattern);
    sockets.add(new SocketRoute(pattern, listeners));
    return this;
  }

  private Routes handle(String method, String pattern, Route.Handler handler) {
    declare(method, pattern);
    handlers.add(new Route(method, pattern, handler));
    return this;
  }

  private void declare(String method, String pattern) {
    declare(method, pattern, false);
  }

  private void declare(String method, String pattern, boolean open) {
    if (!declared.add(method + " " + pattern)) {
      throw new IllegalArgumentException(method + " " + pattern + " is declared twice");
    }
    inOrder.add(new DeclaredRoute(method, pattern, open));
  }

  /** Every route declared, in order; a WebSocket's method is {@code WS}. */
  public List<DeclaredRoute> declared() {
    return Collections.unmodifiableList(inOrder);
  }

  private static String exact(String path) {
    if (path.indexOf('{') >= 0 || path.indexOf('*') >= 0) {
      throw new IllegalArgumentException(
          "views and endpoints take a fixed path; use a Route.Handler for " + path);
    }
    return path;
  }

  /** {@code POST} endpoints, by path. */
  public Map<String, Endpoint> posts() {
    return Collections.unmodifiableMap(posts);
  }

  Map<String, Endpoint> puts() {
    return Collections.unmodifiableMap(puts);
  }

  Map<String, Supplier<Reply>> views() {
    return Collections.unmodifiableMap(views);
  }

  /** Whether some method is declared on {@code path} as a fixed path. */
  boolean declares(String path) {
    return !methods(path).isEmpty();
  }

  /** The methods declared on {@code path} as a fixed path, {@code HEAD} with {@code GET}. */
  Set<String> methods(String path) {
    Set<String> methods = new HashSet<>();
    if (views.containsKey(path)) {
      methods.addAll(List.of("GET", "HEAD"));
    }
    if (posts.containsKey(path)) {
      methods.add("POST");
    }
    if (puts.containsKey(path)) {
      methods.add("PUT");
    }
    return methods;
  }

  List<Route> handlers() {
    return Collections.unmodifiableList(handlers);
  }

  List<Route> publicHandlers() {
    return Collections.unmodifiableList(publicHandlers);
  }

  List<SocketRoute> sockets() {
    return Collections.unmodifiableList(sockets);
  }
}
