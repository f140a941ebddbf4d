package dev.wasmgrid.wasm.recycle;

import dev.wasmgrid.wasm.WasmInstance;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One instance of a proxied module with what belongs to it: the translation from the callers'
 * handles to its own values, how much of the log it has applied, and how many calls are using it,
 * so that a retired instance is closed only when its last call has finished.
 */
final class ProxiedInstance {

  private final WasmInstance instance;
  private final Runnable onClose;
  private final Map<Long, Long> handles = new ConcurrentHashMap<>();
  private final long bornNanos = System.nanoTime();
  private final AtomicLong calls = new AtomicLong();

  /** Calls using the instance; -1 once it is closed. */
  private final AtomicInteger users = new AtomicInteger();

  private volatile boolean retired;
  private int number;
  private int applied;
  private volatile long stateBytes;

  /**
   * @param onClose runs once the instance has been closed (its slot under the module's instance
   *     limit is free again)
   */
  ProxiedInstance(WasmInstance instance, Runnable onClose) {
    this.instance = instance;
    this.onClose = onClose;
  }

  WasmInstance instance() {
    return instance;
  }

  /** Its number once active: 1 for the first instance, then one more per swap. */
  int number() {
    return number;
  }

  /** Makes it the active instance number {@code n}, its memory now being its state's. */
  void activate(int n) {
    number = n;
    stateBytes = instance.observedMemoryBytes();
  }

  /** Its memory when it became active: what the state it was given takes. */
  long stateBytes() {
    return stateBytes;
  }

  /** How many log entries its state includes. */
  int applied() {
    return applied;
  }

  void applied(int entries) {
    applied = entries;
  }

  long ageNanos() {
    return System.nanoTime() - bornNanos;
  }

  /** Counts a finished call; returns how many it has served. */
  long served() {
    return calls.incrementAndGet();
  }

  void mapHandle(long handle, long real) {
    handles.put(handle, real);
  }

  Map<Long, Long> handles() {
    return Map.copyOf(handles);
  }

  void mapHandles(Map<Long, Long> map) {
    handles.putAll(map);
  }

  /** {@code args} with the handles at {@code positions} replaced by this instance's values. */
  long[] translate(long[] args, List<Integer> positions) {
    if (positions.isEmpty() || handles.isEmpty()) {
      return args;
    }
    long[] out = args.clone();
    for (int p : positions) {
      if (p < out.length) {
        out[p] = handles.getOrDefault(out[p], out[p]);
      }
    }
    return out;
  }

  /** Starts a call on it; false when it is already closed (the caller takes the new one). */
  boolean enter() {
    while (true) {
      int n = users.get();
      if (n < 0) {
        return false;
      }
      if (users.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void exit() {
    if (users.decrementAndGet() == 0 && retired) {
      closeIfIdle();
    }
  }

  /** No new calls will be sent to it: closes it now if idle, else when its last call ends. */
  void retire() {
    retired = true;
    closeIfIdle();
  }

  private void closeIfIdle() {
    if (users.compareAndSet(0, -1)) {
      instance.close();
      onClose.run();
    }
  }
}
