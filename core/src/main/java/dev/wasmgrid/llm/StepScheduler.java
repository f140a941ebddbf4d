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
 * while a generation of the previous one is still choosing its token (it comes back in a moment); a
 * generation whose caller has the token ({@link ForwardRunner#pause()}) is not waited for.
 */
final class StepScheduler {
  private final Transformer transformer;
  // A monitor rather than java.util.concurrent.locks: the browser build's class library has none.
  private final Object lock = new Object();
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
      List<Lane> group = null;
      boolean interrupted = false;
      synchronized (lock) {
        back();
        batch = own;
        ran = false;
        failure = null;
        error = null;
        waiting.add(this);
        while (!ran && group == null) {
          if (!running && choosing == 0) {
            group = List.copyOf(waiting);
            waiting.clear();
            running = true;
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
      if (group != null) {
        runPass(group);
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      synchronized (lock) {
        batch = null;
        if (error != null) {
          throw error;
        }
        if (failure != null) {
          throw failure;
        }
      }
    }

    @Override
    public void pause() {
      synchronized (lock) {
        back();
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
  }

  /** Runs {@code group}'s batches as one pass, then hands each lane its outcome. */
  private void runPass(List<Lane> group) {
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
        lane.ran = true;
        lane.failure = failure;
        lane.error = error;
        if (ok) {
          lane.choosingToken = true;
          choosing++;
        }
      }
      lock.notifyAll();
    }
  }
}
