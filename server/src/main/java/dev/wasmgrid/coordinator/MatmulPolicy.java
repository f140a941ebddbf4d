package dev.wasmgrid.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.http.ApiError;
import dev.wasmgrid.http.Endpoint;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.http.Reply;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Where a binary product runs at a coordinator with remote workers: on the coordinator's own kernel
 * ({@code local}) or split over the workers ({@code distributed}), the seed's local <-> proxy
 * adaptation. {@code auto} (the default) decides per request from throughput measured on this
 * coordinator: each way's effective GFLOP/s (transfers included) as a moving average, trying a way
 * once when it has no measurement yet. Products under {@link #DISTRIBUTE_MIN_FLOPS} stay local in
 * {@code auto}: splitting them costs more than it wins. The mode is switched at run time with
 * {@code PUT /v1/config/matmul}; a request already running keeps the decision it started with.
 */
public final class MatmulPolicy {

  /** How products are placed. */
  public enum Mode {
    AUTO,
    LOCAL,
    DISTRIBUTED;

    /** The lower-case name used on the wire. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a wire name.
     *
     * @throws ApiError 400 {@code invalid_mode}
     */
    public static Mode parse(String text, String field) {
      for (Mode mode : values()) {
        if (mode.wireName().equalsIgnoreCase(text)) {
          return mode;
        }
      }
      throw ApiError.badRequest(
          "invalid_mode", field, field + " must be auto, local or distributed, not '" + text + "'");
    }
  }

  /** Below this many flops {@code auto} keeps a product local. */
  public static final double DISTRIBUTE_MIN_FLOPS = 2.0 * 384 * 384 * 384;

  /** Weight of the newest measurement in the moving averages. */
  private static final double SMOOTHING = 0.3;

  private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.AUTO);
  private final AtomicReference<Double> localGflops = new AtomicReference<>(Double.NaN);
  private final AtomicReference<Double> distributedGflops = new AtomicReference<>(Double.NaN);

  /** Whether a product of {@code flops} should be split, under {@code override} or the mode. */
  public boolean distribute(double flops, Mode override) {
    Mode effective = override == Mode.AUTO ? mode.get() : override;
    return switch (effective) {
      case LOCAL -> false;
      case DISTRIBUTED -> true;
      case AUTO -> {
        if (flops < DISTRIBUTE_MIN_FLOPS) {
          yield false;
        }
        double local = localGflops.get();
        double distributed = distributedGflops.get();
        // An unmeasured way is tried once, so that auto learns both.
        yield Double.isNaN(distributed) || (!Double.isNaN(local) && distributed > local);
      }
    };
  }

  /** Records a product computed on the coordinator's own kernel. */
  public void recordLocal(double flops, long nanos) {
    record(localGflops, flops, nanos);
  }

  /** Records a product split over the workers, transfers included. */
  public void recordDistributed(double flops, long nanos) {
    record(distributedGflops, flops, nanos);
  }

  private static void record(AtomicReference<Double> average, double flops, long nanos) {
    double gflops = flops / Math.max(1, nanos);
    average.updateAndGet(
        old -> Double.isNaN(old) ? gflops : (1 - SMOOTHING) * old + SMOOTHING * gflops);
  }

  /** {@code GET /v1/config/matmul}: the mode and what auto has measured. */
  public Supplier<Reply> view() {
    return () -> Reply.json(200, state().toString());
  }

  /** {@code PUT /v1/config/matmul} with {@code {"mode":"auto|local|distributed"}}. */
  public Endpoint update() {
    return (contentType, body) -> {
      JsonNode request = JsonBodies.parseObject(body, "{\"mode\":\"distributed\"}");
      JsonNode value = request.get("mode");
      if (value == null || !value.isTextual()) {
        throw ApiError.badRequest(
            "missing_field", "mode", "mode is required: auto, local or distributed");
      }
      mode.set(Mode.parse(value.asText(), "mode"));
      return Reply.json(200, state().toString());
    };
  }

  private ObjectNode state() {
    ObjectNode state = JsonNodeFactory.instance.objectNode();
    state.put("mode", mode.get().wireName());
    state.put("distribute_min_flops", DISTRIBUTE_MIN_FLOPS);
    putRate(state, "local_gflops", localGflops.get());
    putRate(state, "distributed_gflops", distributedGflops.get());
    return state;
  }

  private static void putRate(ObjectNode state, String name, double value) {
    if (Double.isNaN(value)) {
      state.putNull(name);
    } else {
      state.put(name, Math.round(value * 100) / 100.0);
    }
  }
}
