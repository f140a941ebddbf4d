package dev.wasmgrid.http;

import java.util.Locale;
import java.util.Optional;

/**
 * A request as a {@link Route.Handler} sees it, whether it came over HTTP or from the coordinator's
 * in-process worker client: the handler cannot tell, so both answer alike.
 */
public interface Request {

  /** The method, upper case ({@code GET}, {@code POST}, ...). */
  String method();

  /** The path, without the query. */
  String path();

  /** The value of the route pattern's {@code {name}} segment. */
  String param(String name);

  /** The query as sent, without {@code ?}; empty when there is none. */
  String rawQuery();

  /** The first value of query parameter {@code name}. */
  Optional<String> query(String name);

  /** The first value of header {@code name} (case-insensitive). */
  Optional<String> header(String name);

  /** The Content-Type, or an empty string when absent. */
  default String contentType() {
    return header("Content-Type").orElse("");
  }

  /**
   * The whole body, holding at most {@code limit} bytes.
   *
   * @throws dev.wasmgrid.errors.Failure 413 {@code body_too_large} past the limit, 400 {@code
   *     truncated_body} when the client sent less than it declared
   */
  byte[] body(long limit);

  /**
   * Whether the client takes {@code mediaType} ({@code type/subtype}): no Accept header, or one
   * naming it, its type with {@code *}, or {@code *}{@code /*}, without {@code q=0}.
   */
  default boolean accepts(String mediaType) {
    Optional<String> accept = header("Accept");
    if (accept.isEmpty()) {
      return true;
    }
    String type = mediaType.substring(0, mediaType.indexOf('/'));
    for (String range : accept.get().split(",", -1)) {
      String[] parts = range.split(";", -1);
      String name = parts[0].strip().toLowerCase(Locale.ROOT);
      boolean refused = false;
      for (int i = 1; i < parts.length; i++) {
        String param = parts[i].strip().replace(" ", "");
        refused |= param.equals("q=0") || param.matches("q=0\\.0*");
      }
      if (!refused && (name.equals(mediaType) || name.equals(type + "/*") || name.equals("*/*"))) {
        return true;
      }
    }
    return false;
  }
}
