package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** A request made in-process: a body already in memory, the query parsed as a server parses it. */
final class LocalRequest implements Request {
  private final String method;
  private final String path;
  private final Map<String, String> params;
  private final String rawQuery;
  private final String contentType;
  private final byte[] content;

  LocalRequest(
      String method,
      String path,
      Map<String, String> params,
      String rawQuery,
      String contentType,
      byte[] content) {
    this.method = method;
    this.path = path;
    this.params = params;
    this.rawQuery = rawQuery;
    this.contentType = contentType;
    this.content = content;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String rawQuery() {
    return rawQuery;
  }

  @Override
  public String contentType() {
    return contentType;
  }

  @Override
  public String param(String name) {
    return params.get(name);
  }

  @Override
  public Optional<String> query(String name) {
    return Optional.ofNullable(parameters(rawQuery).get(name));
  }

  @Override
  public Optional<String> header(String name) {
    return name.toLowerCase(Locale.ROOT).equals("content-type") && !contentType.isEmpty()
        ? Optional.of(contentType)
        : Optional.empty();
  }

  @Override
  public byte[] body(long limit) {
    if (content.length > limit) {
      throw Failure.tooLarge(
          "body_too_large",
          "",
          "request body of "
              + content.length
              + " bytes is over the limit of "
              + limit
              + " bytes ("
              + GridServer.MAX_BODY_FLAG
              + ")");
    }
    return content;
  }

  /** The first value of each parameter of {@code query}, decoded. */
  static Map<String, String> parameters(String query) {
    Map<String, String> values = new HashMap<>();
    for (String pair : query.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      values.putIfAbsent(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return values;
  }
}
