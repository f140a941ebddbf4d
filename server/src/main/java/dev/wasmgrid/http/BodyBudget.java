package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory all in-flight request bodies of one server may hold at once ({@code --body-memory}):
 * bodies, and a binary product's operands, take their bytes from it as they arrive, and give them
 * back when their request ends. Without it, many clients each sending a body up to {@code
 * --max-body} could fill the heap between them, and every request then failed out of memory.
 */
public final class BodyBudget {
  /** The option that sets the capacity, named in errors. */
  static final String FLAG = "--body-memory";

  private final long capacity;
  private final AtomicLong held = new AtomicLong();

  /** A budget of {@code capacity} bytes. */
  public BodyBudget(long capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("a body budget must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  /** The most bytes bodies may hold at once. */
  public long capacity() {
    return capacity;
  }

  /** The bytes bodies hold now. */
  public long held() {
    return held.get();
  }

  /**
   * One request's share, empty until it reserves; {@code onRefusal} runs when a reservation is
   * refused for want of room (the server adds {@code Retry-After} to the answer).
   */
  public Lease lease(Runnable onRefusal) {
    return new Lease(onRefusal);
  }

  /** What one request holds of the budget; closing it gives every byte back. */
  public final class Lease implements AutoCloseable {
    private final Runnable onRefusal;
    private final AtomicLong mine = new AtomicLong();

    private Lease(Runnable onRefusal) {
      this.onRefusal = onRefusal;
    }

    /**
     * Takes {@code bytes} more for this request's body.
     *
     * @throws Failure 413 {@code body_too_large} when this request alone would hold more than the
     *     whole budget; 503 {@code bodies_over_budget} when other bodies hold the room it needs
     */
    public void reserve(long bytes) {
      if (mine.get() + bytes > capacity) {
        throw Failure.tooLarge(
            "body_too_large",
            "",
            "the request body needs more than the "
                + capacity
                + " bytes all bodies may hold at once ("
                + FLAG
                + ")");
      }
      long now;
      do {
        now = held.get();
        if (now + bytes > capacity) {
          onRefusal.run();
          throw new Failure(
              Failure.Kind.UNAVAILABLE,
              "bodies_over_budget",
              "",
              "the request bodies in flight hold "
                  + now
                  + " of the "
                  + capacity
                  + " bytes they may ("
                  + FLAG
                  + "); retry later");
        }
      } while (!held.compareAndSet(now, now + bytes));
      mine.addAndGet(bytes);
    }

    /** The capacity of the whole budget, which no one request can exceed. */
    public long capacity() {
      return capacity;
    }

    @Override
    public void close() {
      held.addAndGet(-mine.getAndSet(0));
    }
  }
}
