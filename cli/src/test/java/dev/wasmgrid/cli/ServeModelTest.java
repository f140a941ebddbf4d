package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.llm.gguf.ModelShape;
import dev.wasmgrid.llm.gguf.QuantMix;
import dev.wasmgrid.llm.gguf.ShapedModels;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code serve --model} and {@code worker --model} as real processes: the embedded coordinator
 * answers with the tiny model, a coordinator relays to a worker process hosting it, and both agree
 * with {@code wasmgrid generate} for the same seed.
 */
class ServeModelTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROMPT = "Once upon a time";
  private static final String REQUEST =
      "{\"prompt\":\""
          + PROMPT
          + "\",\"max_tokens\":12,\"temperature\":0.9,\"seed\":7,"
          + "\"stream\":false}";

  final LocalCluster cluster = new LocalCluster(LocalCluster.sameJvm(Main.class.getName()));
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stopAll() {
    cluster.close();
  }

  /**
   * What {@code wasmgrid generate --model tiny --raw} prints for the same request: raw, as the API
   * answers, since this text has a carriage return that the terminal form shows as an escape.
   */
  private static String generated() {
    return generated("tiny");
  }

  private static String generated(String model) {
    StringWriter out = new StringWriter();
    int status =
        new CommandLine(Main.class)
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(new StringWriter()))
            .execute(
                "generate",
                "--model",
                model,
                "--prompt",
                PROMPT,
                "--seed",
                "7",
                "--max-tokens",
                "12",
                "--temperature",
                "0.9",
                "--threads",
                "1",
                "--raw");
    assertThat(status).isZero();
    return out.toString().substring(PROMPT.length()).stripTrailing();
  }

  @Test
  void serveWithTinyModelAnswersOnTheEmbeddedWorker() throws Exception {
    int coordinator = start("serve", "--model", "tiny", "--threads", "1");
    JsonNode answer = JSON.readTree(post(coordinator, "/v1/generate", REQUEST).body());
    assertThat(answer.get("text").asText().stripTrailing()).isEqualTo(generated());
    assertThat(get(coordinator, "/v1/models").body()).contains("\"id\":\"tiny\"");
  }

  /**
   * A file shaped like Qwen2.5-0.5B-Instruct Q4_K_M (one layer, a small byte-level BPE vocabulary;
   * Q4_K, Q6_K, Q5_0 and Q8_0 tensors, q/k/v biases) streams through the OpenAI route as {@code
   * generate} writes it.
   */
  @Test
  void serveLoadsAFileShapedLikeARealDownload(@TempDir Path dir) throws Exception {
    ModelShape shape = ModelShape.qwen25_05b().reduced(1, 1024, 64);
    Path file = dir.resolve("qwen2.5-0.5b-q4_k_m.gguf");
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file))) {
      ShapedModels.write(shape, QuantMix.Q4_K_M, 3, o);
    }
    int coordinator = start("serve", "--model", file.toString(), "--threads", "1");
    HttpResponse<String> streamed =
        post(
            coordinator, "/v1/completions", REQUEST.replace("\"stream\":false", "\"stream\":true"));
    assertThat(streamed.statusCode()).isEqualTo(200);
    StringBuilder text = new StringBuilder();
    for (String line : streamed.body().split("\n", -1)) {
      if (line.startsWith("data: {")) {
        text.append(JSON.readTree(line.substring(6)).get("choices").get(0).get("text").asText());
      }
    }
    assertThat(streamed.body().stripTrailing()).endsWith("data: [DONE]");
    assertThat(text.toString().stripTrailing()).isEqualTo(generated(file.toString())).isNotEmpty();
  }

  @Test
  void aCoordinatorRelaysToAWorkerProcessHostingTheModel() throws Exception {
    int worker = start("worker", "--model", "tiny", "--threads", "1", "--modules-dir", "none");
    int coordinator = start("serve", "--workers", "http://127.0.0.1:" + worker);
    HttpResponse<String> streamed =
        post(
            coordinator,
            "/v1/completions",
            REQUEST.replace("\"stream\":false", "\"stream\":true,\"model\":\"tiny\""));
    assertThat(streamed.statusCode()).isEqualTo(200);
    StringBuilder text = new StringBuilder();
    for (String line : streamed.body().split("\n", -1)) {
      if (line.startsWith("data: {")) {
        text.append(JSON.readTree(line.substring(6)).get("choices").get(0).get("text").asText());
      }
    }
    assertThat(streamed.body().stripTrailing()).endsWith("data: [DONE]");
    assertThat(text.toString().stripTrailing()).isEqualTo(generated());
    HttpResponse<String> unknown =
        post(coordinator, "/v1/generate", REQUEST.replace("{", "{\"model\":\"big\","));
    assertThat(unknown.statusCode()).isEqualTo(404);
  }

  @Test
  void aFileThatIsNotAModelFailsTheWorkerWithTheReadersMessage(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.gguf");
    Files.write(bad, "GGUF this is not a model".getBytes(StandardCharsets.US_ASCII));
    StringWriter err = new StringWriter();
    int status =
        new CommandLine(Main.class)
            .setOut(new PrintWriter(new StringWriter()))
            .setErr(new PrintWriter(err))
            .execute("worker", "--port", "0", "--model", bad.toString(), "--modules-dir", "none");
    assertThat(status).isNotZero();
    assertThat(err.toString()).contains("--model: ").contains("bad.gguf");
  }

  private int start(String role, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(role, "--host", "127.0.0.1", "--port", "0"));
    command.addAll(List.of(args));
    return cluster.start(command.toArray(String[]::new)).port();
  }

  private HttpResponse<String> post(int port, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
