package dev.wasmgrid.http.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.testing.Sse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The examples of the description (requests and answers, taken from docs/api.md) are valid under
 * their schemas, and every JSON example docs/api.md gives whole is one of them, so the prose and
 * the schemas cannot drift apart unnoticed.
 */
class ApiExamplesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path API_DOCS = Path.of("../docs/api.md");
  private static final Pattern JSON_BLOCK =
      Pattern.compile("```json\\n(.*?)\\n```", Pattern.DOTALL);

  /** One example, where it is in the document, and the schema it must fit. */
  record Example(String where, String schemaPointer, String mediaType, JsonNode value) {}

  /** The catalogue as one document: every route of every role. */
  static ObjectNode wholeCatalogue() {
    ApiCatalogue catalogue = ApiCatalogue.load();
    ObjectNode document = catalogue.base().deepCopy();
    document.set("paths", catalogue.paths().deepCopy());
    return document;
  }

  /** Every example of a media type in {@code document}, with the pointer of its schema. */
  static List<Example> examples(JsonNode document) {
    List<Example> out = new ArrayList<>();
    collect(document, "", out);
    return out;
  }

  private static void collect(JsonNode node, String pointer, List<Example> out) {
    if (!node.isObject()) {
      return;
    }
    if (node.has("schema") && node.has("examples") && pointer.contains("/content/")) {
      String media = pointer.substring(pointer.lastIndexOf('/') + 1).replace("~1", "/");
      for (Map.Entry<String, JsonNode> example : node.path("examples").properties()) {
        out.add(
            new Example(
                pointer + "/examples/" + example.getKey(),
                pointer + "/schema",
                media,
                example.getValue().path("value")));
      }
    }
    for (Map.Entry<String, JsonNode> child : node.properties()) {
      String key = child.getKey().replace("~", "~0").replace("/", "~1");
      collect(child.getValue(), pointer + "/" + key, out);
    }
  }

  @Test
  void everyExampleFitsItsSchema() throws Exception {
    ObjectNode document = wholeCatalogue();
    SchemaCheck check = new SchemaCheck(document);
    List<Example> examples = examples(document);
    assertThat(examples).hasSizeGreaterThan(40);
    for (Example example : examples) {
      if (example.mediaType().equals("text/event-stream")) {
        JsonNode events = document.at(example.schemaPointer().replace("/schema", "/x-events"));
        for (Sse.Event event : Sse.parse(example.value().asText())) {
          String name = event.name() == null ? "message" : event.name();
          assertThat(events.has(name)).as(example.where() + ": event " + name).isTrue();
          assertThat(check.errors(pointer(events.path(name)), JSON.readTree(event.data())))
              .as(example.where() + ": event " + name)
              .isEmpty();
        }
      } else {
        assertThat(check.errors(example.schemaPointer(), example.value()))
            .as(example.where())
            .isEmpty();
      }
    }
  }

  /** The pointer a {@code $ref} names. */
  static String pointer(JsonNode ref) {
    return ref.path("$ref").asText().substring(1);
  }

  @Test
  void aWrongExampleIsCaught() throws Exception {
    SchemaCheck check = new SchemaCheck(wholeCatalogue());
    JsonNode status = JSON.readTree("{\"id\":\"4db3\",\"state\":\"paused\"}");
    assertThat(check.errors(SchemaCheck.component("JobStatus"), status)).hasSizeGreaterThan(2);
  }

  @Test
  void everyWholeJsonExampleOfTheDocsIsAnExampleOfTheDescription() throws Exception {
    List<JsonNode> described = examples(wholeCatalogue()).stream().map(Example::value).toList();
    Matcher blocks = JSON_BLOCK.matcher(Files.readString(API_DOCS));
    int whole = 0;
    while (blocks.find()) {
      JsonNode example;
      try {
        example = JSON.readTree(blocks.group(1));
      } catch (JsonProcessingException e) {
        continue; // abridged with "..." or "…": prose, not an example to check
      }
      whole++;
      assertThat(described).as("docs/api.md example %s", blocks.group(1)).contains(example);
    }
    assertThat(whole).isGreaterThan(5);
  }
}
