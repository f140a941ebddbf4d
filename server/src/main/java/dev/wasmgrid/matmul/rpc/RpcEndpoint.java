package dev.wasmgrid.matmul.rpc;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.Endpoint;
import dev.wasmgrid.http.Reply;
import java.util.Map;
import java.util.TreeMap;

/** {@code POST /rpc}: decodes the seed envelope and dispatches on its method name. */
public final class RpcEndpoint implements Endpoint {
  private final Map<String, RpcMethod> methods;

  public RpcEndpoint(Map<String, RpcMethod> methods) {
    this.methods = new TreeMap<>(methods);
  }

  @Override
  public Reply handle(String contentType, byte[] body, Map<String, String> query) {
    RpcCall call = RpcEnvelope.parse(body);
    try {
      RpcMethod method = methods.get(call.method());
      if (method == null) {
        throw new Failure(
            Failure.Kind.NOT_FOUND,
            "unknown_method",
            "meta",
            "meta names unknown method '"
                + call.method()
                + "'; known methods: "
                + String.join(", ", methods.keySet()));
      }
      return RpcEnvelope.success(call.stringContent(), method.call(call.content()));
    } catch (Failure e) {
      return RpcEnvelope.error(call.stringContent(), e);
    }
  }

  /** Errors found before the content's form is known are answered in the seed's string form. */
  @Override
  public Reply error(Failure error) {
    return RpcEnvelope.error(true, error);
  }
}
