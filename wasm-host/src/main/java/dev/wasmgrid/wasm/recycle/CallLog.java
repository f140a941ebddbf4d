package dev.wasmgrid.wasm.recycle;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The state-building calls, in the order they ran (seed 002 #4): append-only, appended under the
 * proxy's state lock and read by preparations while calls go on.
 */
final class CallLog {

  /** Where handles that collide with an existing one are numbered from. */
  private static final long FIRST_SPARE_HANDLE = 1L << 30;

  /**
   * One logged call.
   *
   * @param export the export called
   * @param args the arguments as the caller passed them (handles as the caller knows them)
   * @param handle the handle the caller got for the result; 0 when the result is not a handle
   * @param expected what replaying it must give: the result's digest when {@code digested}, else
   *     the first result (0 when there is none)
   * @param digested whether {@code expected} is a digest of the handle's object
   */
  record Entry(String export, List<Long> args, long handle, long expected, boolean digested) {

    long[] argArray() {
      return args.stream().mapToLong(Long::longValue).toArray();
    }
  }

  private final List<Entry> entries = new ArrayList<>();
  private final Set<Long> handles = new HashSet<>();
  private long spare = FIRST_SPARE_HANDLE;

  synchronized void append(Entry entry) {
    entries.add(entry);
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
}
