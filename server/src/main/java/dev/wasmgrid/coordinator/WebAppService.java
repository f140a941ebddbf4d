package dev.wasmgrid.coordinator;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Request;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The browser app's files, served by the coordinator from the class path ({@code /} is its {@code
 * index.html}, the rest under {@code /app/}). Every answer makes the page cross-origin isolated
 * (COOP/COEP, so it may use SharedArrayBuffer and precise timers) and forbids MIME sniffing; files
 * are revalidated by ETag on each load, since their names carry no content hash.
 */
public final class WebAppService implements Service {
  /** Where the {@code web} module puts the app in its jar. */
  public static final String CLASSPATH_ROOT = "dev/wasmgrid/web/app/";

  /** A path of plain names (the app keeps each workload's files in a folder): no "..", no "//". */
  private static final Pattern NAME =
      Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*(/[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*)*");

  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "mjs", "text/javascript; charset=utf-8",
          "wasm", "application/wasm",
          "css", "text/css; charset=utf-8",
          "json", "application/json",
          "svg", "image/svg+xml",
          "png", "image/png",
          "wgsl", "text/plain; charset=utf-8");

  private final String root;
  private final Map<String, Optional<Asset>> cache = new ConcurrentHashMap<>();

  /** A file as its answer, and its strong ETag. */
  private record Asset(Reply reply, String etag) {}

  /** The app found under {@code root} on the class path. */
  public WebAppService(String root) {
    this.root = root.endsWith("/") ? root : root + "/";
  }

  @Override
  public void routing(Routes routes) {
    routes.publicGet("/", req -> serve("index.html", req));
    routes.publicGet("/app/*", req -> serve(req.path().substring("/app/".length()), req));
  }

  private Reply serve(String name, Request req) {
    Asset asset = find(name).orElseThrow(() -> missing(name));
    Reply reply =
        req.header("If-None-Match").filter(asset.etag()::equals).isPresent()
            ? new Reply(304, asset.reply().contentType(), new byte[0])
            : asset.reply();
    return reply
        .withHeader("Cache-Control", "no-cache")
        .withHeader("ETag", asset.etag())
        .withHeader("Cross-Origin-Opener-Policy", "same-origin")
        .withHeader("Cross-Origin-Embedder-Policy", "require-corp")
        .withHeader("Cross-Origin-Resource-Policy", "same-origin")
        .withHeader("X-Content-Type-Options", "nosniff");
  }

  private Optional<Asset> find(String name) {
    String extension = name.substring(name.lastIndexOf('.') + 1);
    // Plain names of known types only: no "..", no hidden files, nothing the app lacks.
    if (!NAME.matcher(name).matches() || !TYPES.containsKey(extension)) {
      return Optional.empty();
    }
    return cache.computeIfAbsent(name, n -> load(n, TYPES.get(extension)));
  }

  private Optional<Asset> load(String name, String type) {
    try (InputStream in = WebAppService.class.getClassLoader().getResourceAsStream(root + name)) {
      if (in == null) {
        return Optional.empty();
      }
      byte[] body = in.readAllBytes();
      return Optional.of(new Asset(new Reply(200, type, body), etag(body)));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + root + name + " from the class path failed", e);
    }
  }

  private static String etag(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static Failure missing(String name) {
    return new Failure(
        Failure.Kind.NOT_FOUND,
        "not_found",
        "",
        name.equals("index.html")
            ? "this build has no web app (the web module was not on the class path)"
            : "the web app has no file " + name);
  }
}
