package dev.wasmgrid.http.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.List;
import java.util.Map;

/**
 * Validates JSON against the schemas of an OpenAPI document, and the document against the official
 * OpenAPI 3.1 schema, with networknt's JSON Schema 2020-12 validator. The official schemas are
 * vendored under {@code oas-3.1/} (see its README) and found by their {@code $id}s, so nothing is
 * fetched.
 */
final class SchemaCheck {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OAS = "https://spec.openapis.org/oas/3.1/";
  private static final String VENDORED = "classpath:dev/wasmgrid/http/openapi/oas-3.1/";

  /** The schema of OpenAPI 3.1 documents whose Schema Objects use the OpenAPI dialect. */
  private static final String DOCUMENTS = OAS + "schema-base/2022-10-07";

  private final SchemaRegistry registry;
  private final ObjectNode document;

  SchemaCheck(JsonNode document) {
    this.document = ((ObjectNode) document).deepCopy();
    this.registry =
        SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder ->
                builder.schemaIdResolvers(
                    ids ->
                        ids.mappings(
                            Map.of(
                                OAS + "schema/2022-10-07",
                                VENDORED + "schema.json",
                                DOCUMENTS,
                                VENDORED + "schema-base.json",
                                OAS + "dialect/base",
                                VENDORED + "dialect-base.json",
                                OAS + "meta/base",
                                VENDORED + "meta-base.json"))));
  }

  /** What is wrong with {@code document} as an OpenAPI 3.1 document: nothing when empty. */
  static List<String> openApiErrors(JsonNode document) {
    SchemaCheck check = new SchemaCheck(JSON.createObjectNode());
    Schema schema = check.registry.getSchema(SchemaLocation.of(DOCUMENTS));
    return messages(schema.validate(document));
  }

  /**
   * What is wrong with {@code value} under the schema at {@code pointer} in the document (a JSON
   * pointer such as {@code /components/schemas/JobStatus}): nothing when empty.
   */
  List<String> errors(String pointer, JsonNode value) {
    // The document with a $ref at its root: the refs inside it resolve against it, and what is
    // not a schema keyword (openapi, paths, ...) is ignored.
    ObjectNode root = document.deepCopy();
    root.put("$schema", SpecificationVersion.DRAFT_2020_12.getDialectId());
    root.put("$ref", "#" + pointer);
    return messages(registry.getSchema(root).validate(value));
  }

  /** The schema of a component, as {@link #errors} takes it. */
  static String component(String name) {
    return "/components/schemas/" + name;
  }

  private static List<String> messages(List<Error> errors) {
    return errors.stream().map(Error::toString).toList();
  }
}
