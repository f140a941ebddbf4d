package dev.wasmgrid.matmul.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.BodyBudget;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.ServerTiming;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.http.StreamedEndpoint;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.rpc.RpcEndpoint;
import dev.wasmgrid.matmul.rpc.RpcMethod;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.matmul.wire.MatrixJson;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A worker's matmul routes: {@code POST /rpc} (seed envelope, method {@code multiply}) and {@code
 * POST /v1/matmul} (JSON, or binary frames for large matrices; {@code ?engine=wasm} computes with
 * the wasm kernel).
 */
public final class MatmulWorkerService implements Service {
  private final MatmulCompute service;
  private final int maxDimension;

  public MatmulWorkerService(MatmulCompute service, int maxDimension) {
    this.service = service;
    this.maxDimension = maxDimension;
  }

  @Override
  public void routing(Routes routes) {
    routes.postBody("/rpc", new RpcEndpoint(Map.of("multiply", (RpcMethod) this::multiplyJson)));
    routes.postBody(
        "/v1/matmul",
        new StreamedEndpoint() {
          @Override
          public Reply handle(String contentType, byte[] body, Map<String, String> query) {
            return matmul(contentType, body, MatmulEngine.fromQuery(query));
          }

          @Override
          public long maxBodyBytes(String contentType, Limits limits) {
            return MatrixFrames.isFrames(contentType)
                ? MatrixFrames.maxProductBytes(limits)
                : limits.maxBodyBytes();
          }

          @Override
          public boolean streams(String contentType) {
            return MatrixFrames.isFrames(contentType);
          }

          @Override
          public Reply handle(
              String contentType,
              InputStream body,
              long length,
              Map<String, String> query,
              BodyBudget.Lease memory)
              throws IOException {
            return multiplyFrames(
                MatrixFrames.read(body, length, maxDimension, memory, "A", "B"),
                MatmulEngine.fromQuery(query));
          }
        });
  }

  private ObjectNode multiplyJson(JsonNode content) {
    return multiplyJson(content, MatmulEngine.JVM);
  }

  private ObjectNode multiplyJson(JsonNode content, MatmulEngine engine) {
    JsonNode dtypeNode = content.get("dtype");
    Dtype dtype;
    try {
      dtype = dtypeNode == null ? Dtype.F64 : Dtype.parse(dtypeNode.asText());
    } catch (IllegalArgumentException e) {
      throw Failure.invalid("invalid_dtype", "dtype", e.getMessage());
    }
    Matrix a = MatrixJson.read(content.get("A"), "A", dtype, maxDimension);
    Matrix b = MatrixJson.read(content.get("B"), "B", dtype, maxDimension);
    Matrix c = service.multiply(new MatmulRequest(a, b), engine);
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    result.set("C", MatrixJson.write(c));
    return result;
  }

  private Reply multiplyFrames(List<Matrix> ab, MatmulEngine engine) {
    long start = System.nanoTime();
    Matrix c = service.multiply(new MatmulRequest(ab.get(0), ab.get(1)), engine);
    long kernelNanos = System.nanoTime() - start;
    // The coordinator tells kernel speed from transfer speed by this (see ServerTiming).
    return MatrixFrames.answer(c)
        .withHeader(ServerTiming.HEADER, ServerTiming.format(ServerTiming.KERNEL, kernelNanos));
  }

  private Reply matmul(String contentType, byte[] body, MatmulEngine engine) {
    String type = contentType.toLowerCase(Locale.ROOT);
    if (MatrixFrames.isFrames(contentType)) {
      return multiplyFrames(MatrixFrames.decode(body, maxDimension, "A", "B"), engine);
    }
    if (!type.isEmpty() && !type.startsWith("application/json")) {
      throw new Failure(
          Failure.Kind.UNSUPPORTED_MEDIA,
          "unsupported_media_type",
          "",
          "Content-Type must be application/json or "
              + MatrixFrames.MEDIA_TYPE
              + ", not "
              + contentType);
    }
    JsonNode content = JsonBodies.parseObject(body, "{\"A\":[[1,2],[3,4]],\"B\":[[5,6],[7,8]]}");
    ObjectNode result = multiplyJson(content, engine);
    result.put("backend", service.backend(engine));
    return Reply.ok(result.toString());
  }
}
