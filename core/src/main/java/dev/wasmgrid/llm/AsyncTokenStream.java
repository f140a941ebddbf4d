package dev.wasmgrid.llm;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Seed 004's {@code AsyncTokenStream}: {@link #next()} completes with the next token's text, or
 * with {@code done} once generation has ended. Calls made before earlier ones complete are queued
 * in order. JVM only (it needs threads); the browser build drives {@link Generation} itself.
 */
public final class AsyncTokenStream implements AutoCloseable {

  /** One step: a token's text, or {@code done} with no value. */
  public record Step(String value, boolean done) {}

  private final Generation generation;
  private final Executor executor;
  private CompletableFuture<Step> tail = CompletableFuture.completedFuture(null);

  AsyncTokenStream(Generation generation, Executor executor) {
    this.generation = generation;
    this.executor = executor;
  }

  /** The next step, computed on the executor. */
  public synchronized CompletableFuture<Step> next() {
    tail = tail.handleAsync((previous, error) -> step(), executor);
    return tail;
  }

  /** Figures so far. */
  public GenerationStats stats() {
    synchronized (generation) {
      return generation.stats();
    }
  }

  private Step step() {
    synchronized (generation) {
      TokenPiece p = generation.next();
      if (p == null) {
        generation.close();
        return new Step(null, true);
      }
      return new Step(p.text(), false);
    }
  }

  /** Cancels the generation and frees the model. */
  @Override
  public void close() {
    synchronized (generation) {
      generation.close();
    }
  }
}
