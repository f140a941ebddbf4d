package dev.wasmgrid.matmul.blas;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * Lets callers that want different thread counts share OpenBLAS's single, process-wide setting.
 *
 * <p>OpenBLAS reads its thread count from a global when a call starts, so changing it while another
 * caller's call is starting would run that call with the wrong count. The gate admits callers in
 * arrival order. A caller wanting the count that is set joins the calls in flight; a caller wanting
 * another count waits until they have finished and then changes the setting. Callers that arrive
 * behind a waiting caller wait too, so a steady stream of one count cannot starve the other.
 */
final class ThreadCountGate {

  private final IntConsumer setThreadCount;
  // A ReentrantLock rather than synchronized: waiting virtual threads then release their carrier
  // on JDK 21 as well.
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private int current; // the count last set; 0 until the first call, so that one sets it
  private int running; // calls between enter and exit
  private long nextTicket; // handed to callers as they arrive
  private long nextAdmitted; // the ticket whose turn it is

  /**
   * @param setThreadCount sets the library's thread count (e.g. {@code openblas_set_num_threads})
   */
  ThreadCountGate(IntConsumer setThreadCount) {
    this.setThreadCount = setThreadCount;
  }

  /**
   * Waits for this caller's turn, sets the thread count if it differs, and admits the caller, who
   * must call {@link #exit()} when the native call has returned.
   *
   * <p>The wait ignores interrupts (the interrupt status is kept): it only lasts until native calls
   * in flight return, and those cannot be interrupted either.
   */
  void enter(int threads) {
    lock.lock();
    try {
      long ticket = nextTicket++;
      while (ticket != nextAdmitted || (running > 0 && current != threads)) {
        changed.awaitUninterruptibly();
      }
      try {
        if (current != threads) {
          current = 0; // unknown, should the call below fail
          setThreadCount.accept(threads);
          current = threads;
        }
        running++;
      } finally {
        // The next caller in line may be able to join now; it must get its turn even if we failed.
        nextAdmitted++;
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Marks the end of an admitted caller's native call. */
  void exit() {
    lock.lock();
    try {
      if (running <= 0) {
        throw new IllegalStateException("exit() without a matching enter()");
      }
      running--;
      if (running == 0) {
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }
}
