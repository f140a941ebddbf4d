package dev.wasmgrid.modules.worker;

import dev.wasmgrid.wasm.recycle.RecycleListener;
import dev.wasmgrid.wasm.recycle.SwapReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The module metrics on {@code /metrics} (seed 002 #10), labelled by module: swaps by method, a
 * swap duration histogram, failed prepares, replay mismatches, states above the watermark (also
 * logged as a warning), memory and calls in flight.
 */
final class ModuleMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(ModuleMetrics.class);
  private final MeterRegistry registry;
  private final Map<String, List<Meter>> gauges = new ConcurrentHashMap<>();

  ModuleMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Feeds {@code module}'s proxy events into the counters and the histogram. */
  RecycleListener listener(String module) {
    Counter failed =
        Counter.builder("wasmgrid_wasm_proxy_failed_prepares")
            .description("Standby preparations that failed; the old instance kept serving")
            .tag("module", module)
            .register(registry);
    Counter above =
        Counter.builder("wasmgrid_wasm_proxy_state_above_watermark")
            .description(
                "Times a fresh instance's state alone took more than the recycling watermark")
            .tag("module", module)
            .register(registry);
    Counter mismatches =
        Counter.builder("wasmgrid_wasm_proxy_replay_mismatches")
            .description("Replayed state-building calls whose result differed from the original")
            .tag("module", module)
            .register(registry);
    return new RecycleListener() {
      @Override
      public void swapped(SwapReport report) {
        Counter.builder("wasmgrid_wasm_proxy_swaps")
            .description("Instance swaps of a stateful module")
            .tag("module", module)
            .tag("method", report.method().id())
            .register(registry)
            .increment();
        Timer.builder("wasmgrid_wasm_swap_duration")
            .description("Time from starting a standby to the switch")
            .tag("module", module)
            .tag("method", report.method().id())
            .publishPercentileHistogram()
            .register(registry)
            .record(report.duration());
      }

      @Override
      public void prepareFailed(String reason, boolean mismatch) {
        failed.increment();
        if (mismatch) {
          mismatches.increment();
        }
      }

      @Override
      public void stateAboveWatermark(long stateBytes, long watermarkBytes) {
        above.increment();
        LOG.warn(
            "module '{}': its state alone takes {} bytes, above the recycling watermark of {}:"
                + " swaps cannot bring it under, so they wait until the instance has grown halfway"
                + " to its memory limit; raise the watermark or the module's max_memory_mb",
            module,
            stateBytes,
            watermarkBytes);
      }
    };
  }

  /**
   * Shows {@code calls}' memory and calls in flight as {@code module}'s, replacing earlier ones.
   */
  void watch(String module, ModuleCalls calls) {
    forget(
        module); // a registry hands back an existing gauge of the same name, bound to the old one
    List<Meter> meters =
        List.of(
            Gauge.builder("wasmgrid_wasm_memory_bytes", calls, ModuleCalls::memoryBytes)
                .description("Linear memory of the module's live instances")
                .tag("module", module)
                .strongReference(true)
                .register(registry),
            Gauge.builder("wasmgrid_wasm_calls_in_flight", calls, ModuleCalls::inflight)
                .description("Calls of the module in progress")
                .tag("module", module)
                .strongReference(true)
                .register(registry),
            Gauge.builder("wasmgrid_wasm_calls_waiting", calls, ModuleCalls::waiting)
                .description("Calls of the module waiting for an instance at its cap")
                .tag("module", module)
                .strongReference(true)
                .register(registry));
    gauges.put(module, meters);
  }

  /** Removes {@code module}'s gauges. */
  void forget(String module) {
    List<Meter> old = gauges.remove(module);
    if (old != null) {
      old.forEach(registry::remove);
    }
  }
}
