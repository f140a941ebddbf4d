package dev.wasmgrid.worker.llm;

import dev.wasmgrid.http.ApiError;
import dev.wasmgrid.llm.LanguageModel;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One model a worker serves, with its admission bound: a {@link LanguageModel} runs one generation
 * at a time (its KV cache is the model's), so requests take turns, and at most {@code queue} more
 * wait for theirs; beyond that a request is refused at once with 503 rather than left to wait.
 */
public final class HostedModel implements AutoCloseable {
  private final String name;
  private final LanguageModel model;
  private final int queue;
  private final Semaphore admitted;
  private final Semaphore turn = new Semaphore(1, true);
  private final AtomicInteger running = new AtomicInteger();

  /**
   * @param queue how many requests may wait while one generates (0 or more)
   */
  public HostedModel(String name, LanguageModel model, int queue) {
    if (queue < 0) {
      throw new IllegalArgumentException("queue must be >= 0, got " + queue);
    }
    this.name = name;
    this.model = model;
    this.queue = queue;
    this.admitted = new Semaphore(1 + queue);
  }

  public String name() {
    return name;
  }

  public LanguageModel model() {
    return model;
  }

  /** Generations running now (0 or 1). */
  public int running() {
    return running.get();
  }

  /** Requests admitted and not yet finished: running plus waiting. */
  public int admitted() {
    return 1 + queue - admitted.availablePermits();
  }

  /**
   * Admits a request, or refuses it when one runs and the queue is full.
   *
   * @throws ApiError 503 {@code too_many_generations}
   */
  public Lease admit() {
    if (!admitted.tryAcquire()) {
      throw new ApiError(
          503,
          "too_many_generations",
          "",
          "model "
              + name
              + " is generating with "
              + queue
              + " more requests waiting (the queue bound); retry later");
    }
    return new Lease();
  }

  /** An admitted request: wait for the model's turn, generate, then close. */
  public final class Lease implements AutoCloseable {
    private boolean turnTaken;
    private boolean closed;

    private Lease() {}

    /** Waits until no other generation runs on this model. */
    public void awaitTurn() throws InterruptedException {
      turn.acquire();
      turnTaken = true;
      running.incrementAndGet();
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (turnTaken) {
        running.decrementAndGet();
        turn.release();
      }
      admitted.release();
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
