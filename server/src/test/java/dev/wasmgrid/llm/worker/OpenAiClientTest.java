package dev.wasmgrid.llm.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A real worker driven by the official {@code openai} npm client under node
 * (src/test/node/openai-client, pinned by its package-lock.json and installed with {@code npm ci}
 * into target/openai-client): the fields the client sends are honoured, and what cannot be is a
 * {@code BadRequestError} naming the field. Needs node and npm, and the npm registry on the first
 * run; their absence fails the test with a message saying so.
 */
class OpenAiClientTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SOURCE = Path.of("src/test/node/openai-client");
  private static final Path DIR = Path.of("target/openai-client");
  private static final List<String> FILES =
      List.of("package.json", "package-lock.json", "client.mjs");

  @Test
  void theOfficialClientGetsWhatItAsksForOrAClearRefusal() throws Exception {
    install();
    JsonNode out;
    try (WorkerNode worker =
        LlmTestModels.worker(
            Limits.DEFAULTS, LlmTestModels.hosts("tiny-test", new ScalarCompute(), 8))) {
      String base = "http://127.0.0.1:" + worker.port() + "/v1";
      out = JSON.readTree(run(120, "node", "client.mjs", base, "tiny-test"));
    }
    assertThat(out.get("version").asText()).startsWith("6.");

    assertThat(out.get("listed").get(0).asText()).isEqualTo("tiny-test");
    assertThat(out.get("retrieved").asText()).isEqualTo("tiny-test");
    assertThat(out.get("missingModel").get("name").asText()).isEqualTo("NotFoundError");
    assertThat(out.get("missingModel").get("param").asText()).isEqualTo("model");

    assertThat(out.get("short").get("usage").get("completion_tokens").asInt()).isBetween(1, 3);

    JsonNode n = out.get("n");
    assertThat(n.get("indexes")).hasSize(2);
    assertThat(n.get("indexes").get(1).asInt()).isEqualTo(1);
    assertThat(n.get("contents").get(0)).isNotEqualTo(n.get("contents").get(1));
    assertThat(n.get("again")).isEqualTo(n.get("contents"));
    assertThat(n.get("fingerprint").asText()).startsWith("wasmgrid-");
    assertThat(out.get("unseeded").get(0)).isNotEqualTo(out.get("unseeded").get(1));

    JsonNode logprobs = out.get("logprobs");
    assertThat(logprobs.get("tokens")).hasSize(logprobs.get("completionTokens").asInt());
    StringBuilder joined = new StringBuilder();
    for (JsonNode t : logprobs.get("tokens")) {
      assertThat(t.get("logprob").asDouble()).isLessThanOrEqualTo(0.0);
      assertThat(t.get("top").asInt()).isEqualTo(3);
      joined.append(t.get("token").asText());
    }
    assertThat(joined.toString()).isEqualTo(logprobs.get("content").asText());

    // Streamed with n: 2, chunks tagged by index add up to the same choices.
    assertThat(out.get("stream").get("contents")).isEqualTo(n.get("contents"));
    assertThat(out.get("stream").get("usage")).isEqualTo(n.get("usage"));

    StringBuilder legacy = new StringBuilder();
    out.get("legacy").get("tokens").forEach(t -> legacy.append(t.asText()));
    assertThat(out.get("legacy").get("tokens").size()).isBetween(1, 4);
    assertThat(legacy.toString()).isEqualTo(out.get("legacy").get("text").asText());

    for (String refused : List.of("tools", "jsonSchema")) {
      JsonNode e = out.get(refused);
      assertThat(e.get("name").asText()).as(refused).isEqualTo("BadRequestError");
      assertThat(e.get("status").asInt()).isEqualTo(400);
    }
    assertThat(out.get("tools").get("param").asText()).isEqualTo("tools");
    assertThat(out.get("tools").get("message").asText()).contains("tools");
    assertThat(out.get("jsonSchema").get("param").asText()).isEqualTo("response_format");
    assertThat(out.get("jsonSchema").get("message").asText()).contains("response_format");
  }

  /** Copies the client in and runs {@code npm ci} unless the pinned client is installed. */
  private static void install() throws Exception {
    Files.createDirectories(DIR);
    boolean changed = false;
    for (String f : FILES) {
      Path from = SOURCE.resolve(f);
      Path to = DIR.resolve(f);
      changed |= !Files.exists(to) || Files.mismatch(from, to) != -1;
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
    if (changed || !Files.exists(DIR.resolve("node_modules/openai/package.json"))) {
      run(300, "npm", "ci", "--no-audit", "--no-fund");
    }
  }

  /** Runs a command in {@link #DIR} and returns its standard output; fails on an error or time. */
  private static String run(int seconds, String... command) throws Exception {
    Path stdout = Files.createTempFile(DIR.toAbsolutePath(), "out", ".txt");
    Path stderr = Files.createTempFile(DIR.toAbsolutePath(), "err", ".txt");
    Process p;
    try {
      p =
          new ProcessBuilder(command)
              .directory(DIR.toFile())
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .start();
    } catch (IOException e) {
      return fail(
          command[0]
              + " is needed for this test (node 20+ with npm: apt-get install -y nodejs npm): "
              + e.getMessage());
    }
    try {
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        return fail(String.join(" ", command) + " took over " + seconds + " s");
      }
      String out = Files.readString(stdout, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        return fail(
            String.join(" ", command)
                + " exited with "
                + p.exitValue()
                + ":\n"
                + Files.readString(stderr, StandardCharsets.UTF_8)
                + out);
      }
      return out;
    } finally {
      Files.deleteIfExists(stdout);
      Files.deleteIfExists(stderr);
    }
  }
}
