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
 * same, bit for bit, as alone). To fill passes without sleeping or polling, a pass does not start
 * while a generation of the previous one is still choosing its token (it comes back in a moment). A
 * generation that has handed its token to its caller queues its next step at once ({@link
 * ForwardRunner#ahead}): it rides in the next pass whenever its caller comes back, and a slow
 * caller holds up no one.
 */
final class StepScheduler {
  private final Transformer transformer;
  // A monitor rather than java.util.concurrent.locks: the browser build's class library has none.
  private final Object lock = new Object();
  private final List<Lane> waiting = new ArrayList<>();
  // The running pass's lanes; read outside the lock only by the thread running it.
  private final List<Lane> group = new ArrayList<>();
  private final ForwardBatch merged = new ForwardBatch();
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
   * running pass, or has run with its outcome not yet taken by the caller; or there is none.
   */
  final class Lane implements ForwardRunner {
    private ForwardBatch batch;
    private boolean queued;
    private boolean inPass;
    private boolean ran;
    private boolean callerWaits;
    private boolean choosingToken;
    private RuntimeException failure;
    private Error error;

    private Lane() {}

    @Override
    public void forward(ForwardBatch own) {
      boolean runsPass = false;
      boolean interrupted = false;
      synchronized (lock) {
        back();
        if (batch != own) {
          interrupted = withdraw();
          queue(own);
        }
        callerWaits = true;
        while (!ran && !runsPass) {
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
        RuntimeException f = failure;
        Error e = error;
        clear();
        if (e != null) {
          throw e;
        }
        if (f != null) {
          throw f;
        }
      }
    }

    @Override
    public void ahead(ForwardBatch next) {
      synchronized (lock) {
        back();
        boolean interrupted = withdraw();
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
        if (withdraw()) {
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
      if (queued) {
        waiting.remove(this);
      }
      while (inPass) {
        try {
          // Bounded by the running pass.
          lock.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      clear();
      return interrupted;
    }

    private void clear() {
      batch = null;
      queued = false;
      ran = false;
      failure = null;
      error = null;
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

  /** Runs the {@link #group}'s batches as one pass, then hands each lane its outcome. */
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
    synchronized (lock) {
      running = false;
      passes++;
      entries += n;
      boolean ok = failure == null && error == null;
      for (Lane lane : group) {
        lane.inPass = false;
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
