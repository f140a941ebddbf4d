package dev.wasmgrid.wasm.recycle;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How a stateful module is served and recycled.
 *
 * <p>Calls to {@code stateExports} build the state: they are logged, in order, and replayed on a
 * fresh instance. Their positive integer results are <em>handles</em>: the caller gets a handle
 * that stays valid across swaps, and arguments at {@code handleParams} positions are translated to
 * the current instance's value (seed 002 #4); a value there that is no handle the proxy issued is
 * refused ({@code unknown_handle}) rather than run on a state that never had it. Every replayed
 * call is verified against the original (#6): through {@code digestExport(handle) -> i64} when the
 * module has one (which lets handles move, e.g. when un-logged calls allocated memory in between),
 * otherwise by equal results. Calls to other exports must not change the state that matters: they
 * are not replayed.
 *
 * @param stateExports exports whose calls build state (logged and replayed)
 * @param handleParams per export, the parameter positions that carry handles
 * @param digestExport an export taking a handle and returning a digest of what it refers to
 * @param watermark the fraction of the memory limit at which a standby is prepared (default 0.6)
 * @param maxCalls recycle after this many calls on one instance; 0 = never
 * @param maxAge recycle an instance this old; zero = never
 * @param onTrap what happens after a call traps (default {@link TrapPolicy#RELOAD})
 * @param snapshots keep a golden snapshot after a verified replay and restore it on later swaps
 * @param backoff the first pause after a failed preparation (doubled per failure, up to a minute)
 */
public record RecyclingPolicy(
    Set<String> stateExports,
    Map<String, List<Integer>> handleParams,
    Optional<String> digestExport,
    double watermark,
    long maxCalls,
    Duration maxAge,
    TrapPolicy onTrap,
    boolean snapshots,
    Duration backoff) {

  /** Default {@link #watermark()}: seed 002 starts its standby at 60% of the memory. */
  public static final double DEFAULT_WATERMARK = 0.6;

  /** The highest a watermark climbs after failed preparations (seed 002 #8). */
  public static final double MAX_WATERMARK = 0.85;

  /** Default {@link #backoff()}. */
  public static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(1);

  /** Checks the values; module-specific checks happen when a proxy is made. */
  public RecyclingPolicy {
    stateExports = Set.copyOf(stateExports);
    handleParams =
        handleParams.entrySet().stream()
            .collect(
                Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> List.copyOf(e.getValue())));
    handleParams.forEach(
        (export, positions) -> {
          if (positions.stream().anyMatch(p -> p < 0)) {
            throw new IllegalArgumentException(
                "handle_params of '" + export + "' must be parameter positions >= 0");
          }
        });
    if (!(watermark > 0 && watermark <= 1)) {
      throw new IllegalArgumentException("watermark must be in (0, 1], not " + watermark);
    }
    if (maxCalls < 0) {
      throw new IllegalArgumentException("max_calls must be >= 0 (0 = no limit), not " + maxCalls);
    }
    if (maxAge.isNegative()) {
      throw new IllegalArgumentException("max_age must be >= 0 (0 = no limit), not " + maxAge);
    }
    if (backoff.isNegative()) {
      throw new IllegalArgumentException("backoff must be >= 0, not " + backoff);
    }
  }

  /** The defaults for a module whose {@code stateExports} build its state. */
  public static RecyclingPolicy defaults(Set<String> stateExports) {
    return new RecyclingPolicy(
        stateExports,
        Map.of(),
        Optional.empty(),
        DEFAULT_WATERMARK,
        0,
        Duration.ZERO,
        TrapPolicy.RELOAD,
        true,
        DEFAULT_BACKOFF);
  }

  /** This policy with handles passed at {@code handleParams}. */
  public RecyclingPolicy withHandles(Map<String, List<Integer>> params, String digest) {
    return new RecyclingPolicy(
        stateExports,
        params,
        Optional.ofNullable(digest),
        watermark,
        maxCalls,
        maxAge,
        onTrap,
        snapshots,
        backoff);
  }

  /** This policy with another watermark. */
  public RecyclingPolicy withWatermark(double fraction) {
    return new RecyclingPolicy(
        stateExports,
        handleParams,
        digestExport,
        fraction,
        maxCalls,
        maxAge,
        onTrap,
        snapshots,
        backoff);
  }

  /** This policy with another trap policy. */
  public RecyclingPolicy withOnTrap(TrapPolicy policy) {
    return new RecyclingPolicy(
        stateExports,
        handleParams,
        digestExport,
        watermark,
        maxCalls,
        maxAge,
        policy,
        snapshots,
        backoff);
  }

  /** This policy with snapshots on or off. */
  public RecyclingPolicy withSnapshots(boolean on) {
    return new RecyclingPolicy(
        stateExports, handleParams, digestExport, watermark, maxCalls, maxAge, onTrap, on, backoff);
  }

  /** This policy recycling after {@code calls} calls or {@code age}, zero = never. */
  public RecyclingPolicy withLimits(long calls, Duration age) {
    return new RecyclingPolicy(
        stateExports,
        handleParams,
        digestExport,
        watermark,
        calls,
        age,
        onTrap,
        snapshots,
        backoff);
  }

  /** This policy pausing {@code pause} after a first failed preparation. */
  public RecyclingPolicy withBackoff(Duration pause) {
    return new RecyclingPolicy(
        stateExports,
        handleParams,
        digestExport,
        watermark,
        maxCalls,
        maxAge,
        onTrap,
        snapshots,
        pause);
  }

  /** The positions of {@code export}'s parameters that carry handles. */
  public List<Integer> handlePositions(String export) {
    return handleParams.getOrDefault(export, List.of());
  }
}
