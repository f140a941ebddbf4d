package dev.wasmgrid.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;

/** The JSON error object shared by every route: {@code {"error":{"code","message","field"}}}. */
public final class ErrorBodies {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ErrorBodies() {}

  /** The error as a JSON object node: code, message and (when known) field. */
  public static ObjectNode errorObject(Failure error) {
    ObjectNode inner = JSON.createObjectNode();
    inner.put("code", error.code());
    inner.put("message", error.getMessage());
    if (!error.field().isEmpty()) {
      inner.put("field", error.field());
    }
    ObjectNode outer = JSON.createObjectNode();
    outer.set("error", inner);
    return outer;
  }

  /** A reply carrying {@link #errorObject} with the error's status. */
  public static Reply plain(Failure error) {
    return Reply.json(HttpStatuses.of(error), errorObject(error).toString());
  }
}
