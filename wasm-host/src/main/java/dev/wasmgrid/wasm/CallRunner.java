package dev.wasmgrid.wasm;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs guest code on a pool thread under a timeout. Chicory's compiled code checks the thread's
 * interrupt flag in loops and calls, so a timed-out call is interrupted and stops within about a
 * millisecond. Platform threads, not virtual ones: a spinning guest must not pin a carrier thread
 * that request handling needs. Each module has its own runner; idle threads end after a minute.
 */
final class CallRunner {

  /** Guest code recurses on the Java stack: give it more than the default. */
  private static final long STACK_BYTES = 16L << 20;

  /** How long a cancelled call may take to notice its interrupt before we stop waiting. */
  private static final Duration STOP_WAIT = Duration.ofSeconds(2);

  private final AtomicInteger threads = new AtomicInteger();
  private final ExecutorService pool;

  /** A runner whose threads are named after {@code module}. */
  CallRunner(String module) {
    this.pool =
        Executors.newCachedThreadPool(
            r -> {
              String name = "wasm-" + module + "-" + threads.incrementAndGet();
              Thread t = new Thread(null, r, name, STACK_BYTES, false);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Runs {@code body} and returns its result; {@code what} names it in errors.
   *
   * @throws WasmCallException {@code timeout} past {@code timeout} (or when the calling thread is
   *     interrupted, whose flag is then set again)
   * @throws RuntimeException or {@link Error} as thrown by {@code body}
   */
  <T> T run(Callable<T> body, Duration timeout, String what) {
    CountDownLatch done = new CountDownLatch(1);
    Future<T> future =
        pool.submit(
            () -> {
              try {
                return body.call();
              } finally {
                Thread.interrupted(); // never hand a pool thread back with the flag set
                done.countDown();
              }
            });
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      stop(future, done);
      throw new WasmCallException(
          WasmCallException.Code.TIMEOUT,
          "%s timed out after %d ms".formatted(what, timeout.toMillis()),
          e);
    } catch (InterruptedException e) {
      stop(future, done);
      Thread.currentThread().interrupt();
      throw new WasmCallException(
          WasmCallException.Code.TIMEOUT, what + " was cancelled: the caller was interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ChicoryInterruptedException) {
        throw new WasmCallException(WasmCallException.Code.TIMEOUT, what + " was interrupted", e);
      } else if (cause instanceof RuntimeException r) {
        throw r;
      } else if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(what + " failed", cause);
    }
  }

  /** Interrupts the call and waits (bounded) until it has left the guest's code. */
  private static void stop(Future<?> future, CountDownLatch done) {
    future.cancel(true);
    boolean interrupted = false;
    try {
      done.await(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException again) {
      interrupted = true;
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
