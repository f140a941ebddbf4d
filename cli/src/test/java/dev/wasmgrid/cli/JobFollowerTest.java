package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.cli.progress.ProgressMode;
import dev.wasmgrid.cli.progress.Terminal;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code matmul --job} against a real coordinator: progress lines (or a bar), then the exact
 * product.
 */
class JobFollowerTest {

  @Test
  void followsAJobToItsExactProduct() throws Exception {
    try (CoordinatorNode coordinator =
        CoordinatorNode.start(
            new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of("s3cret")),
            List.of(),
            Duration.ofSeconds(10),
            new ReferenceGemm(1))) {
      URI server = URI.create("http://127.0.0.1:" + coordinator.port());
      HttpClient http = HttpClient.newHttpClient();
      Matrix a = RandomMatrices.of(Dtype.F64, 70, 50, 1);
      Matrix b = RandomMatrices.of(Dtype.F64, 50, 60, 2);
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      Matrix c =
          new JobFollower(
                  http,
                  server,
                  "s3cret",
                  new PrintStream(printed, true, "UTF-8"),
                  ProgressMode.PLAIN)
              .run(a, b, "auto");
      Matrix expected = Matrix.multiply(new ReferenceGemm(1), a, b);
      assertThat(((Matrix.F64) c).data()).containsExactly(((Matrix.F64) expected).data());
      assertThat(printed.toString(StandardCharsets.UTF_8))
          .containsPattern("(?m)^job [0-9a-f]{32}: succeeded \\(local\\), 1/1 tiles, .* ms$");

      ByteArrayOutputStream drawn = new ByteArrayOutputStream();
      new JobFollower(
              http, server, "s3cret", new PrintStream(drawn, true, "UTF-8"), ProgressMode.BAR)
          .run(a, b, "auto");
      String bar = drawn.toString(StandardCharsets.UTF_8);
      assertThat(bar)
          .startsWith("\rjob ")
          .containsPattern(
              "\rjob [0-9a-f]{8} \\[#+\\] 1/1 tiles, succeeded \\(local\\), [0-9.]+ MB moved,"
                  + " [0-9.]+ s *\n$")
          .containsOnlyOnce("\n");
      assertThat(bar.split("\r"))
          .allSatisfy(draw -> assertThat(draw.strip()).hasSizeLessThan(Terminal.columns()));

      assertThatThrownBy(
              () ->
                  new JobFollower(
                          http,
                          server,
                          "",
                          new PrintStream(new ByteArrayOutputStream()),
                          ProgressMode.NONE)
                      .run(a, b, "auto"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("401");
    }
  }
}
