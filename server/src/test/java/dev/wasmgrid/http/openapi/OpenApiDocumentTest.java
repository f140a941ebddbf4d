package dev.wasmgrid.http.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.DeclaredRoute;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a server's description is built from the routes it declares. */
class OpenApiDocumentTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode describe(Service... services) throws Exception {
    return JSON.readTree(OpenApiDocument.describe(Routes.of(List.of(services)).declared()).json());
  }

  @Test
  void aRouteTheCatalogueLacksIsListedMarkedAndNamed() throws Exception {
    Service extra = routes -> routes.get("/v1/extra", () -> Reply.ok("{}"));
    OpenApiDocument document = OpenApiDocument.describe(Routes.of(List.of(extra)).declared());
    assertThat(document.undocumented())
        .containsExactly(new DeclaredRoute("GET", "/v1/extra", false));
    JsonNode get = JSON.readTree(document.json()).path("paths").path("/v1/extra").path("get");
    assertThat(get.path("x-undocumented").asBoolean()).isTrue();
  }

  @Test
  void aDescribedRouteTakesItsOperationAndAGetItsHead() throws Exception {
    JsonNode paths =
        describe(routes -> routes.get("/v1/models/{id}", req -> Reply.ok("{}"))).path("paths");
    assertThat(paths.properties()).hasSize(1);
    JsonNode item = paths.path("/v1/models/{id}");
    assertThat(item.path("get").path("operationId").asText()).isEqualTo("retrieveModel");
    assertThat(item.path("parameters").get(0).path("name").asText()).isEqualTo("id");
    assertThat(item.path("head").path("responses").path("200").has("content")).isFalse();
    assertThat(item.path("get").has("security")).isFalse();
  }

  @Test
  void aPublicRouteNeedsNoTokenAndAPrefixBecomesOneParameter() throws Exception {
    JsonNode paths =
        describe(routes -> routes.publicGet("/app/*", req -> Reply.ok("{}"))).path("paths");
    JsonNode get = paths.path("/app/{path}").path("get");
    assertThat(get.path("operationId").asText()).isEqualTo("webAppFile");
    assertThat(get.path("security").isArray()).isTrue();
    assertThat(get.path("security")).isEmpty();
  }

  @Test
  void aWebSocketIsAGetThatSwitchesProtocols() throws Exception {
    JsonNode item =
        describe(routes -> routes.socket("/v1/sim/{id}/frames", () -> null))
            .path("paths")
            .path("/v1/sim/{id}/frames");
    assertThat(item.path("get").path("responses").has("101")).isTrue();
    assertThat(item.has("head")).isFalse();
  }
}
