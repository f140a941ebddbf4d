package dev.wasmgrid.modules.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.wasm.recycle.RecyclerStats;
import dev.wasmgrid.wasm.recycle.RecyclingPolicy;
import dev.wasmgrid.wasm.recycle.SwapReport;
import dev.wasmgrid.wasm.recycle.TrapPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A recycling policy as JSON (docs/api.md, "Recycling"), both ways, and a proxy's stats and swaps.
 * Unknown fields are refused, so a typo never silently leaves a default in place.
 */
final class RecyclingJson {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Set<String> FIELDS =
      Set.of(
          "state_exports",
          "handle_params",
          "digest_export",
          "watermark",
          "max_calls",
          "max_age_ms",
          "on_trap",
          "snapshots",
          "backoff_ms");

  private RecyclingJson() {}

  /**
   * The policy {@code body} describes; missing fields take the defaults, {@code state_exports} is
   * required.
   *
   * @throws Failure 400 {@code invalid_policy} naming the field
   */
  static RecyclingPolicy policy(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw invalid("", "a recycling policy is a JSON object");
    }
    for (String field : (Iterable<String>) body::fieldNames) {
      if (!FIELDS.contains(field)) {
        throw invalid(field, "unknown field '" + field + "'; the fields are " + FIELDS);
      }
    }
    JsonNode states = body.get("state_exports");
    if (states == null || !states.isArray() || states.isEmpty()) {
      throw invalid("state_exports", "state_exports must list the exports that build state");
    }
    Set<String> stateExports = new HashSet<>();
    states.forEach(s -> stateExports.add(text(s, "state_exports")));
    Map<String, List<Integer>> handles = new LinkedHashMap<>();
    JsonNode params = body.path("handle_params");
    if (!params.isMissingNode()) {
      if (!params.isObject()) {
        throw invalid("handle_params", "handle_params maps exports to parameter positions");
      }
      for (Map.Entry<String, JsonNode> e : params.properties()) {
        List<Integer> positions = new ArrayList<>();
        if (!e.getValue().isArray()) {
          throw invalid("handle_params", "handle_params." + e.getKey() + " must be an array");
        }
        e.getValue().forEach(p -> positions.add((int) whole(p, "handle_params", 0, 1000)));
        handles.put(e.getKey(), positions);
      }
    }
    JsonNode digest = body.path("digest_export");
    try {
      return new RecyclingPolicy(
          stateExports,
          handles,
          digest.isMissingNode() || digest.isNull()
              ? Optional.empty()
              : Optional.of(text(digest, "digest_export")),
          number(body, "watermark", RecyclingPolicy.DEFAULT_WATERMARK),
          whole(body.get("max_calls"), "max_calls", 0, Long.MAX_VALUE),
          Duration.ofMillis(whole(body.get("max_age_ms"), "max_age_ms", 0, Long.MAX_VALUE)),
          body.has("on_trap")
              ? TrapPolicy.fromId(text(body.get("on_trap"), "on_trap"))
              : TrapPolicy.RELOAD,
          bool(body, "snapshots", true),
          body.has("backoff_ms")
              ? Duration.ofMillis(whole(body.get("backoff_ms"), "backoff_ms", 0, 3_600_000))
              : RecyclingPolicy.DEFAULT_BACKOFF);
    } catch (IllegalArgumentException e) {
      throw invalid("", e.getMessage());
    }
  }

  /** The policy as {@link #policy} reads it. */
  static ObjectNode json(RecyclingPolicy policy) {
    ObjectNode node = JSON.objectNode();
    policy.stateExports().stream().sorted().forEach(node.putArray("state_exports")::add);
    ObjectNode handles = node.putObject("handle_params");
    policy.handleParams().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> e.getValue().forEach(handles.putArray(e.getKey())::add));
    policy.digestExport().ifPresent(d -> node.put("digest_export", d));
    node.put("watermark", policy.watermark());
    node.put("max_calls", policy.maxCalls());
    node.put("max_age_ms", policy.maxAge().toMillis());
    node.put("on_trap", policy.onTrap().id());
    node.put("snapshots", policy.snapshots());
    node.put("backoff_ms", policy.backoff().toMillis());
    return node;
  }

  static ObjectNode stats(RecyclerStats s) {
    ObjectNode node = JSON.objectNode();
    node.put("generation", s.generation());
    node.put("swaps", s.swaps());
    node.put("snapshot_swaps", s.snapshotSwaps());
    node.put("failed_prepares", s.failedPrepares());
    node.put("replay_mismatches", s.replayMismatches());
    node.put("memory_bytes", s.memoryBytes());
    node.put("limit_bytes", s.limitBytes());
    node.put("watermark", s.watermark());
    node.put("inflight", s.inflight());
    node.put("log_entries", s.logEntries());
    node.put("snapshot_bytes", s.snapshotBytes());
    node.put("failed", s.failed());
    if (!s.lastPrepareError().isEmpty()) {
      node.put("last_prepare_error", s.lastPrepareError());
    }
    node.put("log_buffer_bytes", s.logBufferBytes());
    node.put("state_bytes", s.stateBytes());
    node.put("state_above_watermark", s.stateAboveWatermark());
    node.put("preparing", s.preparing());
    if (!s.restoreNote().isEmpty()) {
      node.put("restore", s.restoreNote());
    }
    if (!s.journalError().isEmpty()) {
      node.put("log_error", s.journalError());
    }
    return node;
  }

  static ObjectNode swap(SwapReport r) {
    ObjectNode node = JSON.objectNode();
    node.put("method", r.method().id());
    node.put("duration_ms", r.duration().toNanos() / 1e6);
    node.put("generation", r.generation());
    node.put("memory_before_bytes", r.memoryBefore());
    node.put("memory_after_bytes", r.memoryAfter());
    return node;
  }

  private static String text(JsonNode node, String field) {
    if (node == null || !node.isTextual() || node.asText().isEmpty()) {
      throw invalid(field, field + " must be a non-empty string, not " + node);
    }
    return node.asText();
  }

  private static long whole(JsonNode node, String field, long min, long max) {
    if (node == null) {
      return min;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw invalid(field, field + " must be a whole number, not " + node);
    }
    long value = node.longValue();
    if (value < min || value > max) {
      throw invalid(field, "%s must be from %d to %d, not %d".formatted(field, min, max, value));
    }
    return value;
  }

  private static double number(JsonNode body, String field, double fallback) {
    JsonNode node = body.get(field);
    if (node == null) {
      return fallback;
    }
    if (!node.isNumber()) {
      throw invalid(field, field + " must be a number, not " + node);
    }
    return node.doubleValue();
  }

  private static boolean bool(JsonNode body, String field, boolean fallback) {
    JsonNode node = body.get(field);
    if (node == null) {
      return fallback;
    }
    if (!node.isBoolean()) {
      throw invalid(field, field + " must be true or false, not " + node);
    }
    return node.booleanValue();
  }

  static Failure invalid(String field, String message) {
    return Failure.invalid("invalid_policy", field, message);
  }
}
