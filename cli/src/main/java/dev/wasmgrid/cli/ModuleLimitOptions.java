package dev.wasmgrid.cli;

import dev.wasmgrid.modules.worker.ModuleMaxima;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The most a module deployment may ask for on a worker ({@code worker}, and {@code serve}'s
 * in-process worker): docs/api.md, "Limits per module".
 */
final class ModuleLimitOptions {

  @Option(
      names = "--module-max-memory-mb",
      defaultValue = "4096",
      description =
          "Most linear memory a deployment may give its module's instances with ?max_memory_mb="
              + " (at most 4096, wasm32's 4 GiB; default: ${DEFAULT-VALUE}).")
  int memoryMb;

  @Option(
      names = "--module-max-call-ms",
      defaultValue = "600000",
      description =
          "Longest call timeout a deployment may give its module with ?timeout_ms= (default:"
              + " ${DEFAULT-VALUE}).")
  long callMs;

  @Option(
      names = "--module-max-instances",
      defaultValue = "64",
      description =
          "Most instances of one module alive at once that a deployment may ask for with"
              + " ?max_instances= (default: ${DEFAULT-VALUE}).")
  int instances;

  @Option(
      names = "--module-max-queue",
      defaultValue = "1024",
      description =
          "Most calls of one module that a deployment may let wait for an instance at its cap"
              + " with ?queue= (default: ${DEFAULT-VALUE}).")
  int queue;

  /** The maxima, checked; a bad value is a usage error naming its option. */
  ModuleMaxima maxima(CommandLine command) {
    if (callMs < 1) {
      throw new CommandLine.ParameterException(
          command, "--module-max-call-ms must be at least 1, not " + callMs);
    }
    try {
      return new ModuleMaxima(memoryMb, Duration.ofMillis(callMs), instances, queue);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(command, e.getMessage(), e);
    }
  }
}
