package dev.wasmgrid.modules.worker;

import dev.wasmgrid.wasm.ModuleLimits;
import java.time.Duration;

/**
 * The most a deployment may ask for its module on this worker ({@code worker} options, docs/api.md
 * "Limits per module"): a module's own limits are set at deployment within these.
 *
 * @param memoryMb the most linear memory an instance may have, in MiB ({@code
 *     --module-max-memory-mb}, at most 4096: wasm32's 4 GiB)
 * @param callTimeout the longest call timeout ({@code --module-max-call-ms})
 * @param instances the most instances of one module alive at once ({@code --module-max-instances})
 * @param queue the most calls of one module waiting for an instance at its cap ({@code
 *     --module-max-queue})
 */
public record ModuleMaxima(int memoryMb, Duration callTimeout, int instances, int queue) {

  /** 4 GiB, 10 minutes, 64 instances, 1024 waiting calls. */
  public static final ModuleMaxima DEFAULTS =
      new ModuleMaxima(MiB.WASM32, Duration.ofMinutes(10), 64, 1024);

  /** Checks every maximum is positive (the queue may be 0) and the memory fits wasm32. */
  public ModuleMaxima {
    if (memoryMb < 1 || memoryMb > MiB.WASM32) {
      throw new IllegalArgumentException(
          "--module-max-memory-mb must be from 1 to " + MiB.WASM32 + ", not " + memoryMb);
    }
    if (callTimeout.isNegative() || callTimeout.isZero()) {
      throw new IllegalArgumentException(
          "--module-max-call-ms must be positive, not " + callTimeout.toMillis());
    }
    if (instances < 1) {
      throw new IllegalArgumentException(
          "--module-max-instances must be at least 1, not " + instances);
    }
    if (queue < 0) {
      throw new IllegalArgumentException("--module-max-queue must be at least 0, not " + queue);
    }
  }

  /** What a module gets when its deployment asks for nothing: the defaults, within the maxima. */
  DeployLimits defaults() {
    ModuleLimits d = ModuleLimits.defaults();
    int pages = Math.min(d.maxPages(), memoryMb * MiB.PAGES);
    Duration timeout = d.callTimeout().compareTo(callTimeout) <= 0 ? d.callTimeout() : callTimeout;
    return new DeployLimits(
        d.withMaxPages(pages)
            .withCallTimeout(timeout)
            .withMaxInstances(Math.min(d.maxInstances(), instances)),
        Math.min(DeployLimits.DEFAULT_QUEUE, queue));
  }

  /** Sizes in MiB. */
  static final class MiB {
    /** wasm32's 4 GiB, in MiB. */
    static final int WASM32 = ModuleLimits.WASM32_MAX_PAGES / 16;

    /** 64 KiB pages in a MiB. */
    static final int PAGES = 16;

    private MiB() {}
  }
}
