package dev.wasmgrid.modules.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.Request;
import dev.wasmgrid.wasm.ModuleLimits;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * The limits a module is deployed with: its own memory, call timeout and instance cap, and how many
 * calls may wait for an instance when all are busy. Set by the deployment's query ({@code
 * max_memory_mb}, {@code timeout_ms}, {@code max_instances}, {@code queue}) within the worker's
 * {@link ModuleMaxima}, kept in the module index.
 *
 * @param module the limits its instances run under
 * @param queue the most calls waiting for an instance at the cap; one more gets 503
 */
record DeployLimits(ModuleLimits module, int queue) {

  /** Default {@link #queue()}: 64 waiting calls. */
  static final int DEFAULT_QUEUE = 64;

  /**
   * The limits {@code req}'s query asks for, each within {@code maxima}; what it does not ask for
   * is {@link ModuleMaxima#defaults()}.
   *
   * @throws Failure 400 {@code invalid_limit} (or {@code invalid_timeout} for {@code timeout_ms})
   *     naming the field
   */
  static DeployLimits of(Request req, ModuleMaxima maxima) {
    return read(name -> req.query(name), maxima);
  }

  /** The limits kept in an index entry, checked again against {@code maxima}. */
  static DeployLimits of(JsonNode entry, ModuleMaxima maxima) {
    return read(
        name -> entry.hasNonNull(name) ? Optional.of(entry.get(name).asText()) : Optional.empty(),
        maxima);
  }

  private static DeployLimits read(Function<String, Optional<String>> field, ModuleMaxima maxima) {
    DeployLimits d = maxima.defaults();
    ModuleLimits limits = d.module();
    Optional<Long> memory =
        number(field, "max_memory_mb", 1, maxima.memoryMb(), "--module-max-memory-mb");
    if (memory.isPresent()) {
      limits = limits.withMaxPages((int) (memory.get() * ModuleMaxima.MiB.PAGES));
    }
    Optional<Long> timeout =
        number(field, "timeout_ms", 1, maxima.callTimeout().toMillis(), "--module-max-call-ms");
    if (timeout.isPresent()) {
      limits = limits.withCallTimeout(Duration.ofMillis(timeout.get()));
    }
    Optional<Long> instances =
        number(field, "max_instances", 1, maxima.instances(), "--module-max-instances");
    if (instances.isPresent()) {
      limits = limits.withMaxInstances(instances.get().intValue());
    }
    int queue =
        number(field, "queue", 0, maxima.queue(), "--module-max-queue")
            .map(Long::intValue)
            .orElse(d.queue());
    return new DeployLimits(limits, queue);
  }

  /** Writes these limits into an index entry. */
  void write(ObjectNode entry) {
    entry.put("timeout_ms", module.callTimeout().toMillis());
    entry.put("max_memory_mb", (long) module.maxPages() / ModuleMaxima.MiB.PAGES);
    entry.put("max_instances", module.maxInstances());
    entry.put("queue", queue);
  }

  private static Optional<Long> number(
      Function<String, Optional<String>> field, String name, long min, long max, String option) {
    Optional<String> text = field.apply(name);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    long value;
    try {
      value = Long.parseLong(text.get());
    } catch (NumberFormatException e) {
      value = min - 1;
    }
    if (value < min || value > max) {
      // timeout_ms keeps the code it had before the other limits could be set.
      String code = name.equals("timeout_ms") ? "invalid_timeout" : "invalid_limit";
      throw Failure.invalid(
          code,
          name,
          "%s must be a whole number from %d to %d (this worker's %s), not %s"
              .formatted(name, min, max, option, text.get()));
    }
    return Optional.of(value);
  }
}
