package dev.wasmgrid.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class LogFormatTest {
  private static final Instant TIME = Instant.parse("2026-12-05T09:12:01.123Z");

  @Test
  void jsonEscapesWhatAMessageMayHold() throws Exception {
    String message = "quote \" backslash \\ newline \n tab \t bell \u0007 é";
    String line =
        LogFormat.JSON.line(
            new LogFormat.Entry(
                TIME, Level.WARN, "wasmgrid.access", message, null, Optional.of("id-1")));
    assertThat(line).doesNotContain("\n");
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.get("time").asText()).isEqualTo("2026-12-05T09:12:01.123Z");
    assertThat(json.get("level").asText()).isEqualTo("WARN");
    assertThat(json.get("logger").asText()).isEqualTo("wasmgrid.access");
    assertThat(json.get("message").asText()).isEqualTo(message);
    assertThat(json.get("request_id").asText()).isEqualTo("id-1");
    assertThat(json.has("error")).isFalse();
  }

  @Test
  void jsonCarriesAStackTraceInOneField() throws Exception {
    String line =
        LogFormat.JSON.line(
            new LogFormat.Entry(
                TIME,
                Level.ERROR,
                "x.Y",
                "failed",
                new IllegalStateException("boom"),
                Optional.empty()));
    assertThat(line).doesNotContain("\n");
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.get("error").asText())
        .startsWith("java.lang.IllegalStateException: boom")
        .contains("\tat ");
    assertThat(json.has("request_id")).isFalse();
  }

  @Test
  void textIsWhatSlf4jSimpleWrote() {
    String line =
        LogFormat.TEXT.line(
            new LogFormat.Entry(
                TIME,
                Level.INFO,
                "dev.wasmgrid.worker.WorkerNode",
                "ready",
                null,
                Optional.of("i")));
    assertThat(line)
        .matches(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.123[+-]\\d{4} INFO WorkerNode - ready");
  }

  @Test
  void textPutsAStackTraceOnTheLinesAfterItWithoutABlankOne() {
    String text =
        LogFormat.TEXT.line(
            new LogFormat.Entry(
                TIME,
                Level.ERROR,
                "x.Y",
                "failed",
                new IllegalStateException("boom"),
                Optional.empty()));
    assertThat(text.lines().toList().get(1)).isEqualTo("java.lang.IllegalStateException: boom");
    assertThat(text).doesNotEndWith("\n").doesNotContain("\n\n");
  }
}
