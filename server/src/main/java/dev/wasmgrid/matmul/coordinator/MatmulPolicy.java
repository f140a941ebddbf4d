package dev.wasmgrid.matmul.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkerSpeed;
import dev.wasmgrid.http.Endpoint;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Where a binary product runs at a coordinator with remote workers: on the coordinator's own kernel
 * ({@code local}) or split over the workers ({@code distributed}), the seed's local <-> proxy
 * adaptation. {@code auto} (the default) compares predicted times: local is the product's flops
 * over the local kernel's measured GFLOP/s; distributed comes from the {@link CostModel} over the
 * healthy workers' measured kernel speed, bandwidth and latency, divided by how well the model has
 * predicted past distributed products (a learnt efficiency). A way not yet measured is tried once;
 * with no healthy worker, work stays local. Products under {@link #DISTRIBUTE_MIN_FLOPS} stay local
 * in {@code auto}: splitting them costs more than it wins. The mode is switched at run time with
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
     * @throws Failure 400 {@code invalid_mode}
     */
    public static Mode parse(String text, String field) {
      for (Mode mode : values()) {
        if (mode.wireName().equalsIgnoreCase(text)) {
          return mode;
        }
      }
      throw Failure.invalid(
          "invalid_mode", field, field + " must be auto, local or distributed, not '" + text + "'");
    }

    /**
     * The {@code ?mode=} of a request's query, {@code auto} when absent.
     *
     * @throws Failure 400 {@code invalid_mode}
     */
    public static Mode fromQuery(Map<String, String> query) {
      String mode = query.get("mode");
      return mode == null ? AUTO : parse(mode, "mode");
    }
  }

  /** Below this many flops {@code auto} keeps a product local. */
  public static final double DISTRIBUTE_MIN_FLOPS = 2.0 * 384 * 384 * 384;

  /** Weight of the newest measurement in the moving averages. */
  private static final double SMOOTHING = 0.3;

  private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.AUTO);
  private final AtomicReference<Double> localGflops = new AtomicReference<>(Double.NaN);
  private final AtomicReference<Double> distributedGflops = new AtomicReference<>(Double.NaN);
  // Predicted over measured seconds of distributed products: what the cost model leaves out.
  private final AtomicReference<Double> modelEfficiency = new AtomicReference<>(Double.NaN);

  /**
   * Whether {@code request} should be split, under {@code override} or the mode.
   *
   * @param workers the measured speeds of the healthy remote workers
   */
  public boolean distribute(
      MatmulRequest request, Mode override, List<WorkerSpeed.Estimate> workers) {
    Mode effective = override == Mode.AUTO ? mode.get() : override;
    return switch (effective) {
      case LOCAL -> false;
      case DISTRIBUTED -> true;
      case AUTO -> auto(request, workers);
    };
  }

  private boolean auto(MatmulRequest request, List<WorkerSpeed.Estimate> workers) {
    double flops = request.flops();
    if (flops < DISTRIBUTE_MIN_FLOPS || workers.isEmpty()) {
      return false;
    }
    double local = localGflops.get();
    double predicted = predictedSeconds(request, workers);
    if (!Double.isNaN(predicted)) {
      double efficiency = modelEfficiency.get();
      double distributedSeconds = Double.isNaN(efficiency) ? predicted : predicted / efficiency;
      // An unmeasured local kernel is tried once, so that auto learns both ways.
      return !Double.isNaN(local) && distributedSeconds < flops / (local * 1e9);
    }
    // Some worker is unmeasured: compare the ways' measured throughput, trying an unmeasured one.
    double distributed = distributedGflops.get();
    return Double.isNaN(distributed) || (!Double.isNaN(local) && distributed > local);
  }

  private static double predictedSeconds(
      MatmulRequest request, List<WorkerSpeed.Estimate> workers) {
    return CostModel.distributedSeconds(
        request.a().rows(),
        request.a().cols(),
        request.b().cols(),
        request.a().dtype().bytes(),
        MatmulCoordinatorService.TILES_PER_WORKER,
        workers);
  }

  /** Records a product computed on the coordinator's own kernel. */
  public void recordLocal(double flops, long nanos) {
    average(localGflops, flops / Math.max(1, nanos));
  }

  /**
   * Records a product split over the workers, transfers included.
   *
   * @param workers the speeds the workers had when it started, to judge the model's prediction
   */
  public void recordDistributed(
      MatmulRequest request, long nanos, List<WorkerSpeed.Estimate> workers) {
    average(distributedGflops, request.flops() / Math.max(1, nanos));
    double predicted = predictedSeconds(request, workers);
    if (!Double.isNaN(predicted)) {
      average(modelEfficiency, predicted / (nanos / 1e9));
    }
  }

  private static void average(AtomicReference<Double> average, double sample) {
    average.updateAndGet(
        old -> Double.isNaN(old) ? sample : (1 - SMOOTHING) * old + SMOOTHING * sample);
  }

  /** {@code GET /v1/config/matmul}: the mode and what auto has measured. */
  public Supplier<Reply> view() {
    return () -> Reply.ok(state().toString());
  }

  /** {@code PUT /v1/config/matmul} with {@code {"mode":"auto|local|distributed"}}. */
  public Endpoint update() {
    return (contentType, body, query) -> {
      JsonNode request = JsonBodies.parseObject(body, "{\"mode\":\"distributed\"}");
      JsonNode value = request.get("mode");
      if (value == null || value.isNull()) {
        throw Failure.invalid(
            "missing_field", "mode", "mode is required: auto, local or distributed");
      }
      if (!value.isTextual()) {
        // Present but not a string ({"mode":1}): the value is wrong, not missing.
        throw Failure.invalid(
            "invalid_mode",
            "mode",
            "mode must be the string auto, local or distributed, not " + value);
      }
      mode.set(Mode.parse(value.asText(), "mode"));
      return Reply.ok(state().toString());
    };
  }

  private ObjectNode state() {
    ObjectNode state = JsonNodeFactory.instance.objectNode();
    state.put("mode", mode.get().wireName());
    state.put("distribute_min_flops", DISTRIBUTE_MIN_FLOPS);
    putRate(state, "local_gflops", localGflops.get());
    putRate(state, "distributed_gflops", distributedGflops.get());
    putRate(state, "model_efficiency", modelEfficiency.get());
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
