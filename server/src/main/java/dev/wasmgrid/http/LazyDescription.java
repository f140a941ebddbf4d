package dev.wasmgrid.http;

import dev.wasmgrid.http.openapi.OpenApiDocument;
import java.util.List;
import java.util.function.Supplier;

/**
 * A server's OpenAPI description, built when first asked for and kept: a node that is never asked
 * pays nothing for it, and its start is no slower (the coordinator's health probes, which start
 * before its server, keep the timing tests rely on).
 */
final class LazyDescription implements Supplier<String> {
  private final List<DeclaredRoute> routes;
  private String json;

  LazyDescription(List<DeclaredRoute> routes) {
    this.routes = List.copyOf(routes);
  }

  @Override
  public synchronized String get() {
    if (json == null) {
      json = OpenApiDocument.describe(routes).json();
    }
    return json;
  }
}
