package dev.wasmgrid.llm.jvm;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * A few reusable objects (a product's scratch buffers and job) handed to whichever thread needs one
 * now. Per-thread objects would be made again by every new thread: a server runs each request on a
 * thread of its own, and whichever of a model's concurrent streams runs a pass would bring its own,
 * each one more set of buffers to fault in and to keep in the caches. Products mostly run one at a
 * time per model, so one object serves them all; concurrent ones take the others, and one made when
 * all are out is kept if a slot is free when it comes back. Allocates nothing once warm.
 */
final class Spares<T> {
  private static final int SLOTS = 4;

  private final AtomicReferenceArray<T> slots = new AtomicReferenceArray<>(SLOTS);
  private final Supplier<T> make;

  Spares(Supplier<T> make) {
    this.make = make;
  }

  /** A spare object, or a new one when none is free; give it back with {@link #give}. */
  T take() {
    for (int i = 0; i < SLOTS; i++) {
      T t = slots.getAndSet(i, null);
      if (t != null) {
        return t;
      }
    }
    return make.get();
  }

  /** Returns {@code t} for later use, unless every slot is taken. */
  void give(T t) {
    for (int i = 0; i < SLOTS; i++) {
      if (slots.compareAndSet(i, null, t)) {
        return;
      }
    }
  }
}
