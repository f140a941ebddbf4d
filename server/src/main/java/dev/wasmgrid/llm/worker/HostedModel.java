package dev.wasmgrid.llm.worker;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.llm.LanguageModel;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * One model a worker serves, with its admission bound. A {@link LanguageModel} runs one generation
 * at a time (the KV cache is the instance's), so the model has one instance per generation it may
 * run at once (they may share weights); requests take the free instances in turn, at most {@code
 * queue} more wait for one, and beyond that a request is refused at once with 503 rather than left
 * to wait.
 */
public final class HostedModel implements AutoCloseable {
  private final String name;
  private final List<LanguageModel> instances;
  private final int queue;
  private final Semaphore admitted;
  private final BlockingQueue<LanguageModel> free;

  /** One instance: one generation at a time. */
  public HostedModel(String name, LanguageModel model, int queue) {
    this(name, List.of(model), queue);
  }

  /**
   * @param instances one per generation that may run at once
   * @param queue how many requests may wait while every instance generates (0 or more)
   */
  public HostedModel(String name, List<LanguageModel> instances, int queue) {
    if (queue < 0) {
      throw new IllegalArgumentException("queue must be >= 0, got " + queue);
    }
    if (instances.isEmpty()) {
      throw new IllegalArgumentException("a model needs at least one instance");
    }
    this.name = name;
    this.instances = List.copyOf(instances);
    this.queue = queue;
    this.admitted = new Semaphore(instances.size() + queue);
    // Fair, so waiting requests get an instance in the order they came.
    this.free = new ArrayBlockingQueue<>(instances.size(), true, instances);
  }

  public String name() {
    return name;
  }

  /** An instance, for what does not generate: its info, the chat template. */
  public LanguageModel model() {
    return instances.getFirst();
  }

  /** Generations that may run at once. */
  public int slots() {
    return instances.size();
  }

  /** Generations running now. */
  public int running() {
    return instances.size() - free.size();
  }

  /** Requests admitted and not yet finished: running plus waiting. */
  public int admitted() {
    return instances.size() + queue - admitted.availablePermits();
  }

  /**
   * Admits a request, or refuses it when every instance generates and the queue is full.
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
              + instances.size()
              + " generations with "
              + queue
              + " more requests waiting (the queue bound); retry later");
    }
    return new Lease();
  }

  /** An admitted request: wait for a free instance, generate on it, then close. */
  public final class Lease implements AutoCloseable {
    private LanguageModel instance;
    private boolean closed;

    private Lease() {}

    /** Waits for a free instance and returns it; it is this lease's until closed. */
    public LanguageModel awaitTurn() throws InterruptedException {
      if (instance == null) {
        instance = free.take();
      }
      return instance;
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (instance != null) {
        free.add(instance);
      }
      admitted.release();
    }
  }

  @Override
  public void close() {
    instances.forEach(LanguageModel::close);
  }
}
