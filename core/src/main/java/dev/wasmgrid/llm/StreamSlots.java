package dev.wasmgrid.llm;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The generations a {@link LanguageModel} may run at once: each slot a KV cache, made on first use
 * and kept for the next generation, and how its passes run. One slot runs its passes alone; several
 * share theirs through a {@link StepScheduler}. Thread-safe.
 */
final class StreamSlots {
  private final Transformer transformer;
  private final int streams;
  private final StepScheduler scheduler;
  private final Deque<Slot> free = new ArrayDeque<>();
  private int made;

  /** A generation's place: its sequence state and its way to the passes. */
  record Slot(KvCache cache, ForwardRunner runner) {}

  StreamSlots(Transformer transformer, int streams) {
    if (streams < 1) {
      throw new IllegalArgumentException("streams must be >= 1, got " + streams);
    }
    this.transformer = transformer;
    this.streams = streams;
    this.scheduler = streams == 1 ? null : new StepScheduler(transformer);
  }

  int streams() {
    return streams;
  }

  /** The shared passes, or null with one slot. */
  StepScheduler scheduler() {
    return scheduler;
  }

  /**
   * A free slot, until {@link #release}d.
   *
   * @throws IllegalStateException if every slot runs a generation
   */
  synchronized Slot take() {
    if (!free.isEmpty()) {
      return free.pop();
    }
    if (made == streams) {
      throw new IllegalStateException(
          streams == 1
              ? "a generation is already running on this model"
              : "all " + streams + " streams of this model are generating");
    }
    made++;
    ForwardRunner runner = scheduler == null ? ForwardRunner.alone(transformer) : scheduler.lane();
    return new Slot(transformer.newCache(), runner);
  }

  /** Frees {@code slot} for the next generation. */
  void release(Slot slot) {
    slot.runner().pause();
    synchronized (this) {
      free.push(slot);
    }
  }
}
