package dev.wasmgrid.matmul.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A method callable through {@code POST /rpc}. */
@FunctionalInterface
public interface RpcMethod {

  /**
   * Runs the method on a call's content object and returns the result object.
   *
   * @throws dev.wasmgrid.http.Failure for invalid content
   */
  ObjectNode call(JsonNode content);
}
