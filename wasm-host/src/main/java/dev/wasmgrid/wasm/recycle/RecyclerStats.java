package dev.wasmgrid.wasm.recycle;

/**
 * A proxy's state at one moment (seed 002 #10).
 *
 * @param generation the active instance's number (1 = the first)
 * @param swaps completed swaps, both methods
 * @param snapshotSwaps of which restored a snapshot
 * @param failedPrepares standby preparations that failed (the old instance kept serving)
 * @param replayMismatches of which because a replayed call differed from the original
 * @param memoryBytes the active instance's linear memory
 * @param limitBytes the most memory an instance may have
 * @param watermark the fraction of {@code limitBytes} that starts a swap now (raised after
 *     failures)
 * @param inflight calls in progress, on any instance
 * @param logEntries state-building calls logged for replay
 * @param snapshotBytes the golden snapshot's size, 0 when there is none
 * @param failed whether a trap closed the module (fail-closed policy)
 * @param lastPrepareError why the last preparation failed, empty when it did not
 */
public record RecyclerStats(
    int generation,
    long swaps,
    long snapshotSwaps,
    long failedPrepares,
    long replayMismatches,
    long memoryBytes,
    long limitBytes,
    double watermark,
    int inflight,
    int logEntries,
    long snapshotBytes,
    boolean failed,
    String lastPrepareError) {}
