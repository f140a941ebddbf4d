/**
 * The recycling proxy (seed 002): serves a stateful module from one instance and, when that
 * instance's memory passes a watermark (or its age or call count a limit), prepares a fresh one in
 * the background — by replaying the logged state-building calls or restoring a golden snapshot —
 * verifies it, and swaps it in without failing a call. Entry point: {@link
 * dev.wasmgrid.wasm.recycle.RecyclingProxy}.
 */
package dev.wasmgrid.wasm.recycle;
