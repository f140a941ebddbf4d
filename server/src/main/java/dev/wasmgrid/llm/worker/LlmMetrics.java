package dev.wasmgrid.llm.worker;

import dev.wasmgrid.llm.GenerationStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The language-model meters on {@code /metrics}: {@code wasmgrid_llm_generations_total} (by model
 * and finish reason), {@code wasmgrid_llm_tokens_total}, {@code wasmgrid_llm_generation_seconds},
 * {@code wasmgrid_llm_generations_in_flight} and {@code wasmgrid_llm_requests_admitted}.
 */
public final class LlmMetrics {
  private final MeterRegistry registry;

  public LlmMetrics(MeterRegistry registry, ModelHosts hosts) {
    this.registry = registry;
    for (HostedModel m : hosts.list()) {
      Gauge.builder("wasmgrid.llm.generations.in.flight", m, HostedModel::running)
          .description("Generations running now")
          .tag("model", m.name())
          .register(registry);
      Gauge.builder("wasmgrid.llm.requests.admitted", m, HostedModel::admitted)
          .description("Generation requests running or waiting for the model")
          .tag("model", m.name())
          .register(registry);
    }
  }

  /** Records one finished (or cancelled) generation. */
  public void record(String model, GenerationStats stats) {
    Counter.builder("wasmgrid.llm.generations")
        .description("Generations finished, by finish reason")
        .tags("model", model, "finish_reason", stats.stopReason())
        .register(registry)
        .increment();
    Counter.builder("wasmgrid.llm.tokens")
        .description("Tokens generated")
        .tag("model", model)
        .register(registry)
        .increment(stats.tokens());
    Timer.builder("wasmgrid.llm.generation")
        .description("Time from a generation's start to its end")
        .tag("model", model)
        .register(registry)
        .record((long) (stats.totalMs() * 1e6), TimeUnit.NANOSECONDS);
  }

  /** Generations that ended for {@code reason}, for tests and the log. */
  public double generations(String model, String reason) {
    Counter c =
        registry
            .find("wasmgrid.llm.generations")
            .tags("model", model, "finish_reason", reason)
            .counter();
    return c == null ? 0 : c.count();
  }
}
