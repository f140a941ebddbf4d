package dev.wasmgrid.wasm.recycle;

import java.time.Duration;

/**
 * One completed swap.
 *
 * @param method how the new instance got its state
 * @param duration from starting the standby to the switch, replay or restore included
 * @param generation the new instance's number (the first instance is 1)
 * @param memoryBefore the old instance's memory in bytes at the switch
 * @param memoryAfter the new instance's memory in bytes at the switch
 */
public record SwapReport(
    SwapMethod method, Duration duration, int generation, long memoryBefore, long memoryAfter) {}
