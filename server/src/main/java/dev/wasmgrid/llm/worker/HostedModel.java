package dev.wasmgrid.llm.worker;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.llm.LanguageModel;
import java.util.concurrent.Semaphore;

/**
 * One model a worker serves, with its admission bound. The {@link LanguageModel} runs up to its
 * {@link LanguageModel#streams()} generations at once (the slots), their decoding steps sharing
 * passes over the weights; requests take free slots in turn, at most {@code queue} more wait for
 * one, and beyond that a request is refused at once with 503 rather than left to wait.
 */
public final class HostedModel implements AutoCloseable {
  private final String name;
  private final LanguageModel model;
  private final int slots;
  private final int queue;
  private final Semaphore admitted;
  private final Semaphore turns;

  /**
   * @param model runs as many generations at once as it has streams
   * @param queue how many requests may wait while every slot generates (0 or more)
   */
  public HostedModel(String name, LanguageModel model, int queue) {
    if (queue < 0) {
      throw new IllegalArgumentException("queue must be >= 0, got " + queue);
    }
    this.name = name;
    this.model = model;
    this.slots = model.streams();
    this.queue = queue;
    this.admitted = new Semaphore(slots + queue);
    // Fair, so waiting requests get a slot in the order they came.
    this.turns = new Semaphore(slots, true);
  }

  public String name() {
    return name;
  }

  /** The model: its info, its chat template, and its generations once a lease has a turn. */
  public LanguageModel model() {
    return model;
  }

  /** Generations that may run at once. */
  public int slots() {
    return slots;
  }

  /** Generations running now. */
  public int running() {
    return slots - turns.availablePermits();
  }

  /** Requests admitted and not yet finished: running plus waiting. */
  public int admitted() {
    return slots + queue - admitted.availablePermits();
  }

  /**
   * Admits a request, or refuses it when every slot generates and the queue is full.
   *
   * @throws Failure 503 {@code too_many_generations}
   */
  public Lease admit() {
    if (!admitted.tryAcquire()) {
      throw new Failure(
          Failure.Kind.UNAVAILABLE,
          "too_many_generations",
          "",
          "model "
              + name
              + " is running "
              + slots
              + " generations with "
              + queue
              + " more requests waiting (the queue bound); retry later");
    }
    return new Lease();
  }

  /** An admitted request: wait for a free slot, generate one generation at a time, then close. */
  public final class Lease implements AutoCloseable {
    private boolean turn;
    private boolean closed;

    private Lease() {}

    /** Waits for a free slot and returns the model, to start generations on until closed. */
    public LanguageModel awaitTurn() throws InterruptedException {
      if (!turn) {
        turns.acquire();
        turn = true;
      }
      return model;
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (turn) {
        turns.release();
      }
      admitted.release();
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
