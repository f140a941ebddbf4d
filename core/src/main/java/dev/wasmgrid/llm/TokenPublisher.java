package dev.wasmgrid.llm;

import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Token texts as a {@link Flow.Publisher} for a single subscriber: tokens are generated on the
 * executor only as the subscriber requests them, and cancelling frees the model. JVM only.
 */
public final class TokenPublisher implements Flow.Publisher<String> {
  private final Supplier<Generation> starter;
  private final Executor executor;
  private final AtomicBoolean subscribed = new AtomicBoolean();

  TokenPublisher(Supplier<Generation> starter, Executor executor) {
    this.starter = starter;
    this.executor = executor;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super String> subscriber) {
    if (!subscribed.compareAndSet(false, true)) {
      subscriber.onSubscribe(
          new Flow.Subscription() {
            @Override
            public void request(long n) {}

            @Override
            public void cancel() {}
          });
      subscriber.onError(new IllegalStateException("this publisher takes one subscriber"));
      return;
    }
    Generation g;
    try {
      g = starter.get();
    } catch (RuntimeException e) {
      subscriber.onSubscribe(
          new Flow.Subscription() {
            @Override
            public void request(long n) {}

            @Override
            public void cancel() {}
          });
      subscriber.onError(e);
      return;
    }
    new Emitter(g, subscriber, executor).begin();
  }

  /** Drains requested tokens on the executor, one drain loop at a time. */
  private static final class Emitter implements Flow.Subscription {
    private final Generation generation;
    private final Flow.Subscriber<? super String> subscriber;
    private final Executor executor;
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile boolean cancelled;
    private volatile Throwable badRequest;
    private boolean finished;

    Emitter(Generation generation, Flow.Subscriber<? super String> subscriber, Executor executor) {
      this.generation = generation;
      this.subscriber = subscriber;
      this.executor = executor;
    }

    void begin() {
      subscriber.onSubscribe(this);
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        badRequest = new IllegalArgumentException("request(" + n + "): demand must be positive");
      } else {
        demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
      }
      schedule();
    }

    @Override
    public void cancel() {
      cancelled = true;
      schedule();
    }

    private void schedule() {
      if (wip.getAndIncrement() == 0) {
        executor.execute(this::drain);
      }
    }

    private void drain() {
      int missed = 1;
      do {
        if (!finished) {
          emit();
        }
        missed = wip.addAndGet(-missed);
      } while (missed != 0);
    }

    private void emit() {
      while (!finished) {
        if (cancelled) {
          stop();
          return;
        }
        if (badRequest != null) {
          stop();
          subscriber.onError(badRequest);
          return;
        }
        if (demand.get() == 0) {
          return;
        }
        TokenPiece p;
        try {
          p = generation.next();
        } catch (RuntimeException e) {
          stop();
          subscriber.onError(e);
          return;
        }
        if (p == null) {
          stop();
          subscriber.onComplete();
          return;
        }
        demand.decrementAndGet();
        subscriber.onNext(p.text());
      }
    }

    private void stop() {
      finished = true;
      generation.close();
    }
  }
}
