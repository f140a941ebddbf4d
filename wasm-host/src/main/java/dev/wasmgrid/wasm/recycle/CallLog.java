package dev.wasmgrid.wasm.recycle;

import dev.wasmgrid.wasm.GuestCall;
import dev.wasmgrid.wasm.WasmCallException;
import dev.wasmgrid.wasm.WasmCallException.Code;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The state-building calls, in the order they ran (seed 002 #4): append-only, appended under the
 * proxy's state lock and read by preparations while calls go on. A log's lifetime is one <em>state
 * epoch</em>: the handles it issued mean something only within it.
 */
final class CallLog {

  /** Where handles that collide with an existing one are numbered from. */
  private static final long FIRST_SPARE_HANDLE = 1L << 30;

  /**
   * One logged call.
   *
   * @param call the export called with the arguments as the caller passed them (handles as the
   *     caller knows them), buffers with their bytes
   * @param handle the handle the caller got for the result; 0 when the result is not a handle
   * @param expected what replaying it must give: the result's digest when {@code digested}, else
   *     the first result (0 when there is none)
   * @param digested whether {@code expected} is a digest of the handle's object
   */
  record Entry(GuestCall call, long handle, long expected, boolean digested) {

    String export() {
      return call.export();
    }
  }

  private final String epoch;
  private final List<Entry> entries = new ArrayList<>();
  private final Set<Long> handles = new HashSet<>();
  private long spare = FIRST_SPARE_HANDLE;
  private long bytes;
  private String lost = "";

  /** An empty log, with a fresh epoch. */
  CallLog() {
    byte[] id = new byte[8];
    new SecureRandom().nextBytes(id);
    this.epoch = HexFormat.of().formatHex(id);
  }

  /** The log of {@code epoch} as it was stored: its entries, and the handles they issued. */
  CallLog(String epoch, List<Entry> stored) {
    this.epoch = epoch;
    for (Entry entry : stored) {
      append(entry);
      if (entry.handle() != 0) {
        handles.add(entry.handle());
        spare = Math.max(spare, entry.handle() + 1);
      }
    }
  }

  /**
   * The random id of this log's lifetime: unique across instances, workers and restarts, so that a
   * client (or a coordinator) seeing another one knows the state it built is not there.
   */
  String epoch() {
    return epoch;
  }

  synchronized void append(Entry entry) {
    entries.add(entry);
    bytes += entry.call().bufferBytes();
  }

  /**
   * Records why the state this log replaced could not be rebuilt, for the callers whose handles
   * referred to it.
   */
  synchronized void lost(String why) {
    lost = why;
  }

  /** The bytes the logged calls' input buffers hold. */
  synchronized long bufferBytes() {
    return bytes;
  }

  synchronized int size() {
    return entries.size();
  }

  /** The entries from position {@code from} to the end, copied. */
  synchronized List<Entry> from(int from) {
    return List.copyOf(entries.subList(from, entries.size()));
  }

  /**
   * A new handle for an object the instance calls {@code real}: {@code real} itself when no earlier
   * handle has that value (so callers see the guest's own values until a swap moves them), else a
   * spare number.
   */
  synchronized long newHandle(long real) {
    long handle = real;
    while (!handles.add(handle)) {
      handle = spare++;
    }
    return handle;
  }

  /**
   * Refuses a call of {@code export} whose arguments at {@code positions} are not handles this log
   * issued: run on a state that never had them, the guest would answer from whatever its memory
   * holds there (an empty table), a wrong answer that looks right.
   *
   * @throws WasmCallException {@code unknown_handle}
   */
  synchronized void requireIssued(
      String module, String export, long[] args, List<Integer> positions) {
    for (int p : positions) {
      if (p < args.length && !handles.contains(args[p])) {
        throw new WasmCallException(
            Code.UNKNOWN_HANDLE,
            ("argument %d of '%s' is %d, a handle that module '%s' has not issued since its state"
                    + " began (state epoch %s): the state it referred to was lost (the recycling"
                    + " policy set again, the worker restarted, or the calls moved to another"
                    + " worker), or it never was a handle; build the state again%s")
                .formatted(
                    p, export, args[p], module, epoch, lost.isEmpty() ? "" : " (" + lost + ")"));
      }
    }
  }
}
