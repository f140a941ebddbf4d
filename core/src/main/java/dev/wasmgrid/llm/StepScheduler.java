package dev.wasmgrid.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs the forward passes of several generations on one {@link Transformer} (continuous batching):
 * the batches of every generation waiting for a pass are merged into one, so each weight matrix is
 * read once per step for all of them. A generation arriving during a pass joins the next one; one
 * that has ended leaves. The pass runs on the thread of one of its callers, the others wait for it;
 * a failing pass throws its exception to every caller in it, and the next pass runs as usual.
 *
 * <p>Which generations share a pass does not change a result (a batched entry's logits are the
 * same, bit for bit, as alone). To fill passes without sleeping or polling, a pass does not start
 * while a generation of the previous one is still choosing its token (it comes back in a moment); a
 * generation whose caller has the token ({@link ForwardRunner#pause()}) is not waited for.
 */
final class StepScheduler {
  private final Transformer transformer;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final List<Lane> waiting = new ArrayList<>();
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
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  /** Passes run so far. */
  long passes() {
    lock.lock();
    try {
      return passes;
    } finally {
      lock.unlock();
    }
  }

  /** Entries run so far over all passes: divided by {@link #passes()}, the mean batch. */
  long entries() {
    lock.lock();
    try {
      return entries;
    } finally {
      lock.unlock();
    }
  }

  /** One generation's seat at the shared passes. */
  final class Lane implements ForwardRunner {
    private ForwardBatch batch;
    private boolean ran;
    private boolean choosingToken;
    private RuntimeException failure;
    private Error error;

    private Lane() {}

    @Override
    public void forward(ForwardBatch own) {
      lock.lock();
      try {
        back();
        batch = own;
        ran = false;
        failure = null;
        error = null;
        waiting.add(this);
        while (!ran) {
          if (!running && choosing == 0) {
            runPass();
          } else {
            // Bounded by a pass, or by the others choosing their tokens.
            changed.awaitUninterruptibly();
          }
        }
        batch = null;
        if (error != null) {
          throw error;
        }
        if (failure != null) {
          throw failure;
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void pause() {
      lock.lock();
      try {
        back();
      } finally {
        lock.unlock();
      }
    }

    /** No longer choosing a token: the next pass need not wait for this lane. */
    private void back() {
      if (choosingToken) {
        choosingToken = false;
        choosing--;
        if (choosing == 0) {
          changed.signalAll();
        }
      }
    }
  }

  /** Runs the waiting lanes' batches as one pass; called and returns with the lock held. */
  private void runPass() {
    List<Lane> group = List.copyOf(waiting);
    waiting.clear();
    running = true;
    RuntimeException failure = null;
    Error error = null;
    lock.unlock();
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
    } finally {
      int n = merged.size();
      merged.clear();
      lock.lock();
      running = false;
      passes++;
      entries += n;
      boolean ok = failure == null && error == null;
      for (Lane lane : group) {
        lane.ran = true;
        lane.failure = failure;
        lane.error = error;
        if (ok) {
          lane.choosingToken = true;
          choosing++;
        }
      }
      changed.signalAll();
    }
  }
}
