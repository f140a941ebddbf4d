package dev.wasmgrid.http;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which web origins may call a node from a browser (the web app calling workers directly). {@code
 * *} allows any: requests carry a Bearer token, never cookies, so an allowed origin gains nothing a
 * script without the token could not already send; list origins to keep other sites' pages from
 * reading answers at all.
 *
 * @param origins allowed origins such as {@code https://grid.example.com}, or {@code *}
 */
public record CorsPolicy(Set<String> origins) {

  /** Any origin. */
  public static final CorsPolicy ANY = new CorsPolicy(Set.of("*"));

  public CorsPolicy {
    origins = Set.copyOf(origins);
    if (origins.isEmpty()) {
      throw new IllegalArgumentException("list at least one origin, or *");
    }
    for (String origin : origins) {
      if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
        throw new IllegalArgumentException(
            "an origin is scheme://host[:port] with no path, or *; not '" + origin + "'");
      }
    }
  }

  /** Parses a comma-separated list, e.g. {@code http://localhost:8080,https://grid.example.com}. */
  public static CorsPolicy parse(String text) {
    return new CorsPolicy(
        Set.copyOf(
            List.of(text.split(",")).stream()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList()));
  }

  /** Whether a page from {@code origin} may read this node's answers. */
  public boolean allows(String origin) {
    return origins.contains("*") || origins.contains(origin);
  }

  /**
   * Whether a page from {@code origin} may open a WebSocket here: an allowed origin, or the node's
   * own (the origin names the {@code Host} the upgrade was sent to), as the web app it serves is.
   */
  public boolean allowsSocket(String origin, Optional<String> host) {
    if (allows(origin)) {
      return true;
    }
    int scheme = origin.indexOf("://");
    return host.isPresent()
        && scheme > 0
        && origin.substring(scheme + 3).equalsIgnoreCase(host.get().strip());
  }

  /** The {@code Access-Control-Allow-Origin} value for an allowed origin. */
  String allowOrigin(String origin) {
    return origins.contains("*") ? "*" : origin;
  }
}
