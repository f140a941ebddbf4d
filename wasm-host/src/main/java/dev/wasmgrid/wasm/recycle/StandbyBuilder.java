package dev.wasmgrid.wasm.recycle;

import dev.wasmgrid.wasm.MemorySnapshot;
import dev.wasmgrid.wasm.WasmInstance;
import java.util.List;
import java.util.Map;

/**
 * Builds standby instances: a fresh instance given the state of the log, by replaying every entry
 * (buffers written again with their bytes), or by restoring the golden snapshot and replaying only
 * the entries logged after it. After a verified replay it keeps a snapshot of the result as the new
 * golden one, and frees the one it replaces.
 */
final class StandbyBuilder {

  /** A standby and how it got its state. */
  record Standby(ProxiedInstance generation, SwapMethod method) {}

  /** A snapshot of an instance that had applied {@code applied} log entries, with its handles. */
  private record Golden(MemorySnapshot snapshot, Map<Long, Long> handles, int applied) {}

  private final InstanceSlots slots;
  private final RecyclingPolicy policy;
  private final CallLog log;
  private volatile Golden golden;
  private boolean closed;

  StandbyBuilder(InstanceSlots slots, RecyclingPolicy policy, CallLog log) {
    this.slots = slots;
    this.policy = policy;
    this.log = log;
  }

  /**
   * A fresh instance with the state of the log as it is now.
   *
   * @throws ReplayMismatchException when a replayed call differs from the original
   * @throws dev.wasmgrid.wasm.WasmCallException when the instance cannot be made or a call fails
   */
  Standby build() {
    WasmInstance instance = slots.instantiate();
    try {
      ProxiedInstance standby = new ProxiedInstance(instance, slots::released);
      Golden gold = policy.snapshots() ? restoreGolden(instance) : null;
      if (gold != null) {
        standby.mapHandles(gold.handles());
        standby.applied(gold.applied());
      }
      catchUp(standby);
      if (policy.snapshots()
          && standby.applied() > 0
          && (gold == null || standby.applied() > gold.applied())) {
        replaceGolden(new Golden(instance.snapshot(), standby.handles(), standby.applied()));
      }
      return new Standby(standby, gold == null ? SwapMethod.REPLAY : SwapMethod.SNAPSHOT);
    } catch (RuntimeException e) {
      instance.close();
      throw e;
    }
  }

  /** Frees the golden snapshot; later builds replay the whole log. */
  synchronized void close() {
    closed = true;
    replaceGolden(null);
  }

  /** Restores the golden snapshot, if there is one, on {@code instance}; what it restored. */
  private synchronized Golden restoreGolden(WasmInstance instance) {
    Golden gold = golden;
    if (gold != null) {
      instance.restore(gold.snapshot());
    }
    return gold;
  }

  /**
   * Makes {@code next} the golden snapshot and frees the one before: under the lock that restores
   * take, so that none reads a freed one.
   */
  private synchronized void replaceGolden(Golden next) {
    Golden before = golden;
    if (closed && next != null) {
      next.snapshot().close();
      return;
    }
    golden = next;
    if (before != null) {
      before.snapshot().close();
    }
  }

  /** Replays on {@code standby} the entries logged since its state was made. */
  void catchUp(ProxiedInstance standby) {
    for (CallLog.Entry entry : log.from(standby.applied())) {
      replay(standby, entry);
      standby.applied(standby.applied() + 1);
    }
  }

  /** The golden snapshot's size in bytes; 0 when there is none. */
  long snapshotBytes() {
    Golden gold = golden;
    return gold == null ? 0 : gold.snapshot().bytes();
  }

  /**
   * What replaying {@code entry} must give, from a call's first result: its handle's digest when
   * the module has a digest export, else the result.
   */
  long expected(WasmInstance instance, long result, boolean handle) {
    return handle && policy.digestExport().isPresent()
        ? instance.call(policy.digestExport().get(), result)[0]
        : result;
  }

  private void replay(ProxiedInstance standby, CallLog.Entry entry) {
    List<Integer> positions = policy.handlePositions(entry.export());
    long[] results =
        entry.call().run(standby.instance(), p -> standby.translate(p, positions)).results();
    long result = results.length > 0 ? results[0] : 0;
    boolean handle = entry.handle() != 0;
    if (handle && result <= 0) {
      throw new ReplayMismatchException(
          "replayed call of '%s' returned %d where the original returned a handle"
              .formatted(entry.export(), result));
    }
    long got = expected(standby.instance(), result, entry.digested());
    if (got != entry.expected()) {
      throw new ReplayMismatchException(
          "replayed call of '%s' gave %s %d, the original %d: the module is not deterministic"
                  .formatted(
                      entry.export(), entry.digested() ? "digest" : "result", got, entry.expected())
              + " for its logged calls");
    }
    if (handle) {
      standby.mapHandle(entry.handle(), result);
    }
  }
}
