package dev.wasmgrid.llm;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs the forward passes of several generations on one {@link Transformer} (continuous batching):
 * the batches of every generation waiting for a pass are merged into one, so each weight matrix is
 * read once per step for all of them. A generation arriving during a pass joins the next one; one
 * that has ended leaves. The pass runs on the thread of one of its callers, the others wait for it;
 * a failing pass throws its exception to every caller in it, and the next pass runs as usual.
 *
 * <p>Which generations share a pass does not change a result (a batched entry's logits are the
 * same, bit for bit, as alone). The threads that ran a pass also do each generation's work on its
 * outcome ({@link ForwardRunner.AfterPass}: choosing its token, queueing its next step), so the
 * next pass starts at once, without waiting for the generations' callers to wake; a generation runs
 * up to {@link ForwardRunner#AHEAD} tokens ahead of its caller, so a caller that is slow to come
 * back (its thread not scheduled for a while) does not leave its stream out of passes. Only a
 * caller that gave no work (a prompt's passes) holds up the next pass while it chooses its token
 * itself, so that its next step is not left out of it.
 */
final class StepScheduler {
  private final Transformer transformer;
  // A monitor rather than java.util.concurrent.locks: the browser build's class library has none.
  private final Object lock = new Object();
  private final List<Lane> waiting = new ArrayList<>();
  // The running pass's lanes; read outside the lock only by the thread running it.
  private final List<Lane> group = new ArrayList<>();
  private final ForwardBatch merged = new ForwardBatch();
  private final Compute.RangeTask lanesWork = this::work;
  private int choosing;
  private boolean running;
  private long passes;
  private long entries;

  StepScheduler(Transformer transformer) {
    this.transformer = transformer;
  }

  /** A new generation's way into the shared passes; one generation at a time uses it. */
  Lane lane() {
    return new Lane();
  }

  /** Generations waiting for a pass: arrived during the running one, or for others' tokens. */
  int waiting() {
    synchronized (lock) {
      return waiting.size();
    }
  }

  /** Passes run so far. */
  long passes() {
    synchronized (lock) {
      return passes;
    }
  }

  /** Entries run so far over all passes: divided by {@link #passes()}, the mean batch. */
  long entries() {
    synchronized (lock) {
      return entries;
    }
  }

  /**
   * One generation's seat at the shared passes. Its batch is queued (waiting for a pass), in the
   * running pass, held (its next step, while the caller is {@link ForwardRunner#AHEAD} outcomes
   * behind), or has run with its outcome not yet taken by the caller; or there is none. Besides, up
   * to {@link ForwardRunner#AHEAD} passes may have answered the caller's calls to come: its {@link
   * AfterPass} run there.
   */
  final class Lane implements ForwardRunner {
    private ForwardBatch batch;
    private boolean queued;
    private boolean inPass;
    private boolean held;
    private boolean ran;
    private boolean callerWaits;
    private boolean choosingToken;
    private RuntimeException failure;
    private Error error;

    /** The generation's work on each outcome, run in the pass: from its first call until paused. */
    private AfterPass after;

    /** Outcomes the passes have answered and the caller has not yet taken. */
    private int answers;

    /** The work the running pass runs for this lane, or null; then its result, or what it threw. */
    private AfterPass answering;

    private boolean again;
    private RuntimeException afterFailure;
    private Error afterError;

    private Lane() {}

    @Override
    public void forward(ForwardBatch own) {
      run(own, null);
    }

    @Override
    public void forward(ForwardBatch own, AfterPass then) {
      run(own, then);
    }

    private void run(ForwardBatch own, AfterPass then) {
      boolean runsPass = false;
      boolean interrupted = false;
      synchronized (lock) {
        back();
        if (then != null && takeAnswer()) {
          return;
        }
        if (batch != own) {
          interrupted = withdraw();
          queue(own);
        }
        callerWaits = true;
        after = then;
        while (!ran && answers == 0 && !runsPass) {
          if (!running && choosing == 0) {
            takeWaiting();
            runsPass = true;
          } else {
            try {
              // Bounded by a pass, or by the others choosing their tokens.
              lock.wait();
            } catch (InterruptedException e) {
              interrupted = true;
            }
          }
        }
      }
      if (runsPass) {
        runPass();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      synchronized (lock) {
        callerWaits = false;
        if (takeAnswer()) {
          return;
        }
        RuntimeException f = failure;
        Error e = error;
        clear();
        if (e != null) {
          throw e;
        }
        if (f != null) {
          throw f;
        }
        // Work given is always run in the pass: the lane carries it from the call that queues it.
        assert then == null : "an outcome came back without its work";
      }
    }

    /** Takes an outcome a pass answered, if there is one; queues the step held for room. */
    private boolean takeAnswer() {
      if (answers == 0) {
        return false;
      }
      answers--;
      if (held) {
        held = false;
        queued = true;
        waiting.add(this);
        if (!running && choosing == 0) {
          // A caller may be waiting for a pass that this step should join or start.
          lock.notifyAll();
        }
      }
      return true;
    }

    @Override
    public void ahead(ForwardBatch next, AfterPass then) {
      synchronized (lock) {
        back();
        boolean interrupted = withdraw();
        after = then;
        queue(next);
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void pause() {
      synchronized (lock) {
        back();
        boolean interrupted = withdraw();
        // After the withdrawal: a pass running it may have answered once more.
        after = null;
        answers = 0;
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** No longer choosing a token: the next pass need not wait for this lane. */
    private void back() {
      if (choosingToken) {
        choosingToken = false;
        choosing--;
        if (choosing == 0) {
          lock.notifyAll();
        }
      }
    }

    private void queue(ForwardBatch b) {
      batch = b;
      queued = true;
      waiting.add(this);
    }

    /**
     * Takes back this lane's batch: out of the queue, or, if in the running pass, once that has run
     * (its outcome dropped). Whether the wait was interrupted.
     */
    private boolean withdraw() {
      boolean interrupted = false;
      while (inPass) {
        try {
          // Bounded by the running pass.
          lock.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      // After the pass: it may have queued the lane's next step.
      if (queued) {
        waiting.remove(this);
      }
      clear();
      return interrupted;
    }

    private void clear() {
      batch = null;
      queued = false;
      held = false;
      ran = false;
      failure = null;
      error = null;
    }

    /** Runs the generation's work on the pass's outcome, on one of the pass's threads. */
    private void answer() {
      try {
        again = answering.afterPass();
      } catch (RuntimeException e) {
        afterFailure = e;
      } catch (Error e) {
        afterError = e;
      }
    }

    /**
     * After the pass, under the lock: one more call answered, with the next step queued (or held,
     * if the caller is {@link ForwardRunner#AHEAD} behind) if the work gave one; or, if the work
     * threw, the throw as the pass's outcome.
     */
    private void settleAnswer() {
      answering = null;
      RuntimeException f = afterFailure;
      Error e = afterError;
      afterFailure = null;
      afterError = null;
      if (f != null || e != null) {
        after = null;
        failure = f;
        error = e;
        ran = true;
        return;
      }
      answers++;
      if (!again) {
        after = null;
        batch = null;
      } else if (answers < AHEAD) {
        queued = true;
        waiting.add(this);
      } else {
        held = true;
      }
      again = false;
    }
  }

  /** The work of the running pass's lanes [from, to) that gave it. */
  private void work(int from, int to) {
    for (int i = from; i < to; i++) {
      Lane lane = group.get(i);
      if (lane.answering != null) {
        lane.answer();
      }
    }
  }

  /**
   * Makes the waiting lanes the next pass's {@link #group}, marked as in it. The list is reused
   * pass after pass: one pass runs at a time, and its group is cleared before the next is taken.
   */
  private void takeWaiting() {
    // Lane by lane: addAll would copy the list into a new array first.
    for (int i = 0; i < waiting.size(); i++) {
      Lane lane = waiting.get(i);
      lane.queued = false;
      lane.inPass = true;
      group.add(lane);
    }
    waiting.clear();
    running = true;
  }

  /**
   * Runs the {@link #group}'s batches as one pass, then the generations' work on their outcomes
   * where they gave it, then hands each lane its outcome.
   */
  private void runPass() {
    RuntimeException failure = null;
    Error error = null;
    try {
      merged.clear();
      for (Lane lane : group) {
        ForwardBatch b = lane.batch;
        for (int i = 0; i < b.size(); i++) {
          merged.add(b.cache(i), b.token(i), b.position(i), b.wantsLogits(i));
        }
      }
      transformer.forward(merged);
    } catch (RuntimeException e) {
      failure = e;
    } catch (Error e) {
      error = e;
    }
    int n = merged.size();
    merged.clear();
    boolean ok = failure == null && error == null;
    if (ok) {
      synchronized (lock) {
        for (Lane lane : group) {
          // Below AHEAD answers, or the lane's step would have been held, not queued.
          lane.answering = lane.after;
        }
      }
      // Outside the lock: a generation's work runs only where its lane's outcome is, here. On the
      // compute's threads, as the pass did: sampling with a temperature is ~60-80 us a token (the
      // softmax over the vocabulary; 0.2-0.5 ms before its exponentials went native), which eight
      // streams' threads used to share.
      transformer.compute().parallel(group.size(), lanesWork);
    }
    synchronized (lock) {
      running = false;
      passes++;
      entries += n;
      for (Lane lane : group) {
        lane.inPass = false;
        if (lane.answering != null) {
          lane.settleAnswer();
          continue;
        }
        lane.ran = true;
        lane.failure = failure;
        lane.error = error;
        // A lane run ahead of its caller is not choosing a token: nothing waits for it.
        if (ok && lane.callerWaits) {
          lane.choosingToken = true;
          choosing++;
        }
      }
      group.clear();
      lock.notifyAll();
    }
  }
}
