package dev.wasmgrid.grid;

import java.time.Instant;

/**
 * A snapshot of one worker in the pool, for {@code GET /v1/workers}.
 *
 * @param url the worker's base URL, or {@code in-process}
 * @param source how the coordinator learnt of it: {@code static}, {@code dns}, {@code join} or
 *     {@code in-process}
 * @param consecutiveFailures failed calls since its last success
 * @param calls calls placed on it since it entered the pool
 * @param inflight calls to it that have not returned yet
 * @param lastSeen when it last answered a call, a probe or sent a heartbeat; null if never
 * @param speed its measured kernel speed, bandwidth and latency (NaN until measured)
 */
public record WorkerStatus(
    String url,
    String source,
    WorkerState state,
    int consecutiveFailures,
    long calls,
    int inflight,
    Instant lastSeen,
    WorkerSpeed.Estimate speed) {}
