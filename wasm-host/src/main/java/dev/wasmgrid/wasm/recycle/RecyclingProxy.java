package dev.wasmgrid.wasm.recycle;

import dev.wasmgrid.wasm.CallOutput;
import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.ExportInfo;
import dev.wasmgrid.wasm.GuestCall;
import dev.wasmgrid.wasm.WasmCallException;
import dev.wasmgrid.wasm.WasmCallException.Code;
import dev.wasmgrid.wasm.WasmInstance;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Serves a stateful module from one active instance and recycles it (seed 002): when the instance's
 * memory passes the watermark, or it reaches its age or call limit, a standby is prepared in the
 * background from the log of state-building calls (or the golden snapshot), verified, and swapped
 * in atomically. Calls in flight finish on the old instance, new ones go to the new one, and none
 * fails because of a swap. A failed preparation leaves the old instance serving, raises the
 * watermark and backs off. A state that by itself takes more than the watermark is reported ({@link
 * RecycleListener#stateAboveWatermark}) and recycled only once the instance has grown halfway from
 * it to the limit, not after every call. With a {@link CallJournal} the log is kept on disk and a
 * proxy made again on it rebuilds the state. Thread-safe.
 */
public final class RecyclingProxy implements AutoCloseable {

  private final CompiledModule module;
  private final RecyclingPolicy policy;
  private final RecycleListener listener;
  private final CallLog log;
  private final CallJournal journal;
  private final String restoreNote;
  private final InstanceSlots slots;
  private final StandbyBuilder builder;
  private final long limitBytes;

  /** Held by state-building calls and by the switch, so no state call straddles a swap. */
  private final ReentrantLock stateLock = new ReentrantLock();

  private final ExecutorService preparer;
  private final AtomicInteger inflight = new AtomicInteger();
  private final AtomicLong swaps = new AtomicLong();
  private final AtomicLong snapshotSwaps = new AtomicLong();
  private final AtomicLong failedPrepares = new AtomicLong();
  private final AtomicLong mismatches = new AtomicLong();

  private volatile ProxiedInstance current;
  private volatile boolean failed;
  private volatile boolean closed;
  private volatile String lastError = "";
  private volatile String journalError = "";
  private volatile boolean stateAboveWatermark;

  private final Backoff backoff;
  // Guarded by this: the one preparation under way.
  private CompletableFuture<SwapReport> preparing;

  /**
   * Starts serving {@code module} from a fresh instance.
   *
   * @throws IllegalArgumentException when the policy names exports the module lacks, or handle
   *     positions that are not integer parameters
   * @throws WasmCallException when the first instance cannot be made
   */
  public RecyclingProxy(CompiledModule module, RecyclingPolicy policy, RecycleListener listener) {
    this(module, policy, listener, CallJournal.none());
  }

  /**
   * Starts serving {@code module} with its call log kept in {@code journal}. When the journal
   * resumes an epoch, the state is rebuilt by replaying its stored log (every call verified as on a
   * swap) and its handles stay valid; when that cannot be done, the module is served from an empty
   * state under a new epoch, and {@link RecyclerStats#restoreNote()} and the {@code unknown_handle}
   * answers to the old handles say why.
   *
   * @throws IllegalArgumentException as {@link #RecyclingProxy(CompiledModule, RecyclingPolicy,
   *     RecycleListener)}
   * @throws WasmCallException when the first instance cannot be made
   * @throws UncheckedIOException when the journal's file cannot be opened
   */
  public RecyclingProxy(
      CompiledModule module,
      RecyclingPolicy policy,
      RecycleListener listener,
      CallJournal journal) {
    PolicyCheck.against(module, policy);
    this.module = module;
    this.policy = policy;
    this.listener = listener;
    this.journal = journal;
    this.slots = new InstanceSlots(module);
    this.limitBytes = (long) module.limits().maxPages() * 65536;
    this.backoff = new Backoff(policy);
    StateRestore restore = StateRestore.from(journal, slots, policy);
    this.log = restore.log();
    this.restoreNote = restore.note();
    this.builder = new StandbyBuilder(slots, policy, log);
    journal.open(log, restore.resumed());
    this.preparer =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "recycle-" + module.name());
              t.setDaemon(true);
              return t;
            });
    ProxiedInstance first =
        restore.first().orElseGet(() -> new ProxiedInstance(module.instantiate(), slots::released));
    first.activate(1);
    this.current = first;
    checkStateSize(first);
  }

  /** The module served. */
  public CompiledModule module() {
    return module;
  }

  /** The policy it is served under. */
  public RecyclingPolicy policy() {
    return policy;
  }

  /**
   * The random id of this proxy's state: its handles are valid only under it. A new proxy (a policy
   * set again, a redeployment, a restarted worker) starts an empty state under a new epoch.
   */
  public String epoch() {
    return log.epoch();
  }

  /**
   * Calls {@code export} on the active instance, as {@link WasmInstance#call} does; a
   * state-building export's call is logged and its handle result is the proxy's.
   *
   * @throws WasmCallException as {@code WasmInstance.call}; {@code module_failed} after a trap
   *     under the fail-closed policy; {@code unknown_handle} when an argument at a handle position
   *     is not a handle this proxy issued
   */
  public long[] call(String export, long... args) {
    return call(export, output -> {}, args);
  }

  /**
   * {@link #call(String, long...)}, handing what the guest wrote during the call (and its exit
   * status, if it exited) to {@code output}.
   */
  public long[] call(String export, Consumer<CallOutput> output, long... args) {
    GuestCall.Outcome outcome = call(GuestCall.of(export, args));
    output.accept(outcome.output());
    return outcome.results();
  }

  /**
   * Runs {@code call} on the active instance: its buffers written through the module's allocator,
   * the export called, the output buffers read back and every buffer freed, all on one instance. A
   * state-building export's call is logged with its buffers' bytes and replayed with them on every
   * standby; its handle result is the proxy's. Arguments at handle positions (counted in the
   * export's parameters) are refused unless the proxy issued them, then translated.
   *
   * @throws WasmCallException as {@link #call(String, long...)}
   */
  public GuestCall.Outcome call(GuestCall call) {
    checkServing();
    inflight.incrementAndGet();
    try {
      if (policy.stateExports().contains(call.export())) {
        return callState(call);
      }
      List<Integer> positions = policy.handlePositions(call.export());
      return plain(g -> call.run(g.instance(), params -> checked(g, call, params, positions)));
    } finally {
      inflight.decrementAndGet();
    }
  }

  /** {@code params} with its handles checked and translated to {@code g}'s values. */
  private long[] checked(
      ProxiedInstance g, GuestCall call, long[] params, List<Integer> positions) {
    log.requireIssued(module.name(), call.export(), params, positions);
    return g.translate(params, positions);
  }

  private void checkServing() {
    if (closed) {
      throw new WasmCallException(
          Code.BROKEN_INSTANCE, "module '%s' is no longer served".formatted(module.name()));
    }
    if (failed) {
      throw moduleFailed();
    }
  }

  /**
   * Prepares a standby now, whatever the watermark, and swaps it in (or joins the one being
   * prepared, if any): for operators and benchmarks.
   */
  public CompletableFuture<SwapReport> recycle() {
    return prepare(true);
  }

  /** Where the proxy stands now. */
  public RecyclerStats stats() {
    ProxiedInstance g = current;
    return new RecyclerStats(
        g.number(),
        swaps.get(),
        snapshotSwaps.get(),
        failedPrepares.get(),
        mismatches.get(),
        g.instance().observedMemoryBytes(),
        limitBytes,
        backoff.watermark(),
        inflight.get(),
        log.size(),
        builder.snapshotBytes(),
        failed,
        lastError,
        log.bufferBytes(),
        g.stateBytes(),
        stateAboveWatermark,
        restoreNote,
        journalError,
        preparing());
  }

  private synchronized boolean preparing() {
    return preparing != null;
  }

  /** Stops serving: the active instance closes once its calls have finished. */
  @Override
  public void close() {
    closed = true;
    preparer.shutdownNow();
    current.retire();
    stateLock.lock();
    try {
      journal.close();
    } finally {
      stateLock.unlock();
    }
    builder.close();
  }

  private WasmCallException moduleFailed() {
    return new WasmCallException(
        Code.MODULE_FAILED,
        "module '%s' trapped earlier and its policy is fail-closed: deploy it again"
            .formatted(module.name()));
  }

  private <T> T plain(Function<ProxiedInstance, T> body) {
    awaitStandbyWhenNearlyFull();
    return attempts(body);
  }

  /**
   * Runs {@code body} on the active generation; when it found the instance broken by another call,
   * runs it again on the next one (see {@link #retriedLongEnough}).
   */
  private <T> T attempts(Function<ProxiedInstance, T> body) {
    long start = System.nanoTime();
    while (true) {
      ProxiedInstance g = enter();
      WasmCallException failure;
      try {
        T results = body.apply(g);
        served(g);
        return results;
      } catch (WasmCallException e) {
        failure = e;
      } finally {
        // Left before recovering: a reload needs an instance slot, and a broken generation still
        // held by callers waiting for that reload would keep its slot, so they could wait on each
        // other until the call timeout.
        g.exit();
      }
      if (!g.instance().broken() || !recover(g, failure) || retriedLongEnough(start)) {
        throw failed && failure.code() == Code.BROKEN_INSTANCE ? moduleFailed() : failure;
      }
    }
  }

  /**
   * A call that found its instance broken by another call's trap is sent to the next instance (each
   * retry follows a reload) until it has spent a call timeout so: a count would not do, since a
   * caller that keeps trapping re-enters each fresh instance before a woken caller can.
   */
  private boolean retriedLongEnough(long start) {
    return System.nanoTime() - start >= module.limits().callTimeout().toNanos();
  }

  private GuestCall.Outcome callState(GuestCall call) {
    stateLock.lock();
    try {
      return attempts(g -> logged(g, call));
    } finally {
      stateLock.unlock();
    }
  }

  /** Runs a state-building call on {@code g} and logs it; its handle result becomes the proxy's. */
  private GuestCall.Outcome logged(ProxiedInstance g, GuestCall call) {
    String export = call.export();
    List<Integer> positions = policy.handlePositions(export);
    GuestCall.Outcome outcome =
        call.run(g.instance(), params -> checked(g, call, params, positions));
    long[] results = outcome.results();
    long result = results.length > 0 ? results[0] : 0;
    boolean handle = result > 0 && returnsInteger(export);
    long expected = builder.expected(g.instance(), result, handle);
    long id = 0;
    if (handle) {
      id = log.newHandle(result);
      g.mapHandle(id, result);
    }
    CallLog.Entry entry =
        new CallLog.Entry(call, id, expected, handle && policy.digestExport().isPresent());
    log.append(entry);
    g.applied(log.size());
    try {
      journal.append(entry);
    } catch (UncheckedIOException e) {
      // The state is whole in memory; only a restart would lose it, as the stats say.
      journalError = e.getMessage();
    }
    return handle
        ? new GuestCall.Outcome(new long[] {id}, outcome.out(), outcome.output())
        : outcome;
  }

  private boolean returnsInteger(String export) {
    List<String> results = module.export(export).map(ExportInfo::results).orElse(List.of());
    return results.equals(List.of("i32")) || results.equals(List.of("i64"));
  }

  private ProxiedInstance enter() {
    while (true) {
      ProxiedInstance g = current;
      if (g.enter()) {
        return g;
      }
    }
  }

  /** After a call on {@code g}: starts a standby when the instance is due for recycling. */
  private void served(ProxiedInstance g) {
    long calls = g.served();
    long memory = g.instance().observedMemoryBytes();
    boolean due =
        memory >= dueBytes(g)
            || (policy.maxCalls() > 0 && calls >= policy.maxCalls())
            || (!policy.maxAge().isZero() && g.ageNanos() >= policy.maxAge().toNanos());
    if (due && g == current) {
      // Nobody waits for it: a failure is counted, reported to the listener and backed off from.
      var unused = prepare(false);
    }
  }

  /**
   * The memory at which {@code g} is due for a swap: the watermark, or, when its state alone is
   * above that, halfway from its state to the limit: a swap cannot free what the state takes, and
   * swapping at the watermark would swap after every call.
   */
  private double dueBytes(ProxiedInstance g) {
    double mark = backoff.watermark() * limitBytes;
    long state = g.stateBytes();
    return state < mark ? mark : state + (limitBytes - state) / 2.0;
  }

  /** Reports a state that alone is above the watermark, once per change to above. */
  private void checkStateSize(ProxiedInstance g) {
    long mark = (long) (backoff.watermark() * limitBytes);
    boolean above = g.stateBytes() >= mark;
    boolean was = stateAboveWatermark;
    stateAboveWatermark = above;
    if (above && !was) {
      listener.stateAboveWatermark(g.stateBytes(), mark);
    }
  }

  /**
   * Past halfway from the watermark to the limit, a call could run out of memory: it waits for the
   * standby under way (at most a call timeout) rather than risk failing.
   */
  private void awaitStandbyWhenNearlyFull() {
    CompletableFuture<SwapReport> standby;
    synchronized (this) {
      standby = preparing;
    }
    ProxiedInstance g = current;
    double nearlyFull = (dueBytes(g) + limitBytes) / 2;
    if (standby == null || g.instance().observedMemoryBytes() < nearlyFull) {
      return;
    }
    try {
      standby.get(module.limits().callTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // The preparation failed or is slow: serve from the old instance, as without a standby.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Applies the trap policy after {@code e} left {@code g}'s instance broken.
   *
   * @return whether the call may be tried again (only a call that found the instance already broken
   *     by another is: its own trap is its answer)
   */
  private boolean recover(ProxiedInstance g, WasmCallException e) {
    if (g.instance().exited()) {
      // proc_exit ended the instance on purpose: whatever the trap policy, it is rebuilt.
      reload(g);
      return e.code() == Code.BROKEN_INSTANCE;
    }
    switch (policy.onTrap()) {
      case FAIL_CLOSED -> {
        failed = true;
        return false;
      }
      case FAIL_OPEN -> {
        if (!g.instance().resume()) {
          reload(g);
        }
      }
      case RELOAD -> reload(g);
    }
    return e.code() == Code.BROKEN_INSTANCE;
  }

  /** Replaces the broken {@code g} at once, unless another call did already. */
  private void reload(ProxiedInstance g) {
    stateLock.lock();
    try {
      if (current != g || closed) {
        return;
      }
      long start = System.nanoTime();
      try {
        switchTo(builder.build(), start);
      } catch (RuntimeException e) {
        prepareFailed(e);
        throw new WasmCallException(
            Code.BROKEN_INSTANCE,
            "module '%s' trapped and could not be reloaded: %s"
                .formatted(module.name(), e.getMessage()),
            e);
      }
    } finally {
      stateLock.unlock();
    }
  }

  private synchronized CompletableFuture<SwapReport> prepare(boolean force) {
    if (preparing != null) {
      return preparing;
    }
    if (closed || (!force && !backoff.ready())) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("no standby is being prepared (closed or backing off)"));
    }
    CompletableFuture<SwapReport> swap = new CompletableFuture<>();
    preparing = swap;
    try {
      preparer.execute(
          () -> {
            SwapReport report = null;
            RuntimeException failure = null;
            try {
              report = prepareAndSwitch();
            } catch (RuntimeException e) {
              failure = e;
            }
            synchronized (this) {
              preparing = null;
            }
            if (failure == null) {
              swap.complete(report);
            } else {
              swap.completeExceptionally(failure);
            }
          });
    } catch (RejectedExecutionException e) {
      preparing = null; // closed meanwhile
      swap.completeExceptionally(e);
    }
    return swap;
  }

  private SwapReport prepareAndSwitch() {
    long start = System.nanoTime();
    StandbyBuilder.Standby standby;
    try {
      standby = builder.build();
    } catch (RuntimeException e) {
      prepareFailed(e);
      throw e;
    }
    stateLock.lock();
    try {
      builder.catchUp(standby.generation()); // calls logged while it was being built
      return switchTo(standby, start);
    } catch (RuntimeException e) {
      standby.generation().instance().close();
      prepareFailed(e);
      throw e;
    } finally {
      stateLock.unlock();
    }
  }

  /** The switch itself, under the state lock. */
  private SwapReport switchTo(StandbyBuilder.Standby standby, long startNanos) {
    ProxiedInstance next = standby.generation();
    if (closed) {
      next.instance().close();
      throw new IllegalStateException("module '%s' is no longer served".formatted(module.name()));
    }
    ProxiedInstance old = current;
    next.activate(old.number() + 1);
    current = next;
    checkStateSize(next);
    old.retire();
    swaps.incrementAndGet();
    if (standby.method() == SwapMethod.SNAPSHOT) {
      snapshotSwaps.incrementAndGet();
    }
    backoff.swapped();
    lastError = "";
    SwapReport report =
        new SwapReport(
            standby.method(),
            Duration.ofNanos(System.nanoTime() - startNanos),
            next.number(),
            old.instance().observedMemoryBytes(),
            next.instance().observedMemoryBytes());
    listener.swapped(report);
    return report;
  }

  private void prepareFailed(RuntimeException e) {
    boolean mismatch = e instanceof ReplayMismatchException;
    failedPrepares.incrementAndGet();
    if (mismatch) {
      mismatches.incrementAndGet();
    }
    backoff.failed();
    lastError = String.valueOf(e.getMessage());
    listener.prepareFailed(lastError, mismatch);
  }
}
