package dev.wasmgrid.grid.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.Endpoint;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.http.Reply;
import java.net.URI;
import java.util.Map;

/**
 * {@code POST /v1/workers/join}: a worker registers its URL, then repeats the same request as its
 * heartbeat. The answer tells it how often to beat.
 */
public final class JoinEndpoint implements Endpoint {
  private static final String EXAMPLE =
      "{\"url\":\"http://10.0.0.5:8081\",\"instance\":\"3f1c9a70-0d5e-4d7c-9a43-1b2f6c0e8d11\"}";
  private static final int MAX_INSTANCE_LENGTH = 200;

  private final Membership membership;
  private final DiscoverySettings settings;

  public JoinEndpoint(Membership membership, DiscoverySettings settings) {
    this.membership = membership;
    this.settings = settings;
  }

  @Override
  public Reply handle(String contentType, byte[] body, Map<String, String> query) {
    if (!membership.acceptsJoins()) {
      throw new Failure(
          Failure.Kind.FORBIDDEN,
          "joins_disabled",
          "",
          "this coordinator does not accept joins; start it with --workers join");
    }
    JsonNode request = JsonBodies.parseObject(body, EXAMPLE);
    URI url = url(request.get("url"));
    String instance = instance(request.get("instance"));
    membership.heartbeat(url, instance);
    ObjectNode answer = JsonNodeFactory.instance.objectNode();
    answer.put("url", url.toString());
    answer.put("heartbeat_interval_ms", settings.heartbeatInterval().toMillis());
    answer.put("timeout_ms", settings.heartbeatTimeout().toMillis());
    return Reply.json(200, answer.toString());
  }

  private static URI url(JsonNode node) {
    if (node == null || node.isNull()) {
      throw Failure.invalid("missing_field", "url", "url is required, as in " + EXAMPLE);
    }
    if (!node.isTextual()) {
      throw Failure.invalid("invalid_url", "url", "url must be a string like " + EXAMPLE);
    }
    try {
      return WorkerUrl.parse(node.asText());
    } catch (IllegalArgumentException e) {
      throw Failure.invalid("invalid_url", "url", "url " + e.getMessage());
    }
  }

  private static String instance(JsonNode node) {
    if (node == null || node.isNull()) {
      return "";
    }
    if (!node.isTextual() || node.asText().length() > MAX_INSTANCE_LENGTH) {
      throw Failure.invalid(
          "invalid_instance",
          "instance",
          "instance must be a string of at most " + MAX_INSTANCE_LENGTH + " characters");
    }
    return node.asText();
  }
}
