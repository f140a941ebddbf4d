package dev.wasmgrid.modules.worker;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on what a worker's module store takes on, so that deployments cannot exhaust it: each
 * module holds its bytes and its compiled classes for as long as it is deployed, and compiling
 * takes a core.
 *
 * @param maxModules modules deployed at once ({@code --max-modules}); one more name gets 409 {@code
 *     too_many_modules}, while a module may still be replaced by name
 * @param maxCompile how long parsing, validating and compiling one module may take ({@code
 *     --max-compile-ms}); past it the deployment gets 422 {@code compile_timeout}
 * @param maxima the most a deployment may ask for its module
 */
public record StoreLimits(int maxModules, Duration maxCompile, ModuleMaxima maxima) {

  /** 64 modules, 10 s of compiling each, {@link ModuleMaxima#DEFAULTS}. */
  public static final StoreLimits DEFAULTS = new StoreLimits(64, Duration.ofSeconds(10));

  /** These bounds with {@link ModuleMaxima#DEFAULTS}. */
  public StoreLimits(int maxModules, Duration maxCompile) {
    this(maxModules, maxCompile, ModuleMaxima.DEFAULTS);
  }

  /** Checks the bounds. */
  public StoreLimits {
    Objects.requireNonNull(maxima, "maxima");
    if (maxModules < 1) {
      throw new IllegalArgumentException("maxModules must be >= 1, got " + maxModules);
    }
    if (maxCompile.isNegative() || maxCompile.isZero()) {
      throw new IllegalArgumentException("maxCompile must be positive, got " + maxCompile);
    }
  }
}
