package dev.wasmgrid.wasm;

import java.util.OptionalInt;

/**
 * What a WASI module wrote while it was called, and how it ended when it called {@code proc_exit}.
 * Each stream keeps at most {@link #MAX_BYTES}; more is dropped and {@link #truncated()} set.
 *
 * @param stdout what was written to file descriptor 1, as UTF-8 (malformed bytes become U+FFFD)
 * @param stderr what was written to file descriptor 2, likewise
 * @param truncated whether either stream wrote more than {@link #MAX_BYTES}
 * @param exitCode the status passed to {@code proc_exit}, when the call ended with it
 */
public record CallOutput(String stdout, String stderr, boolean truncated, OptionalInt exitCode) {

  /** The most bytes kept of each stream per call: 1 MiB. */
  public static final int MAX_BYTES = 1 << 20;

  /** Nothing written, no exit. */
  public static final CallOutput NONE = new CallOutput("", "", false, OptionalInt.empty());
}
