package dev.wasmgrid.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;

/** A Helidon request as a {@link Request}: what {@link GridServer} hands to route handlers. */
record ServerRequestView(ServerRequest request) implements Request {

  @Override
  public String method() {
    return request.prologue().method().text();
  }

  @Override
  public String path() {
    return request.path().path();
  }

  @Override
  public String param(String name) {
    return request.path().pathParameters().get(name);
  }

  @Override
  public String rawQuery() {
    return request.query().rawValue();
  }

  @Override
  public Optional<String> query(String name) {
    return request.query().contains(name)
        ? Optional.of(request.query().get(name))
        : Optional.empty();
  }

  @Override
  public Optional<String> header(String name) {
    return request.headers().first(HeaderNames.create(name));
  }

  @Override
  public byte[] body(long limit) {
    return RequestBodies.read(request, limit, GridServer.MAX_BODY_FLAG);
  }
}
