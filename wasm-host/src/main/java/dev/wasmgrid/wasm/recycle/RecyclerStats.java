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
 * @param logBufferBytes the bytes the logged calls' buffers hold (kept for replays)
 * @param stateBytes the active instance's memory when it became active: what its state takes
 * @param stateAboveWatermark whether that alone is above the watermark (recycling then waits for
 *     the instance to grow halfway from it to the limit)
 * @param restoreNote how the state was rebuilt from a stored log after a restart, or why it could
 *     not be; empty when there was none to rebuild
 * @param journalError why the last logged call could not be stored on disk, empty when it was
 * @param preparing whether a standby is being prepared now
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
    String lastPrepareError,
    long logBufferBytes,
    long stateBytes,
    boolean stateAboveWatermark,
    String restoreNote,
    String journalError,
    boolean preparing) {}
