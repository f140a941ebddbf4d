package dev.wasmgrid.matmul.blas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadCountGateTest {

  private final List<Integer> settings = new CopyOnWriteArrayList<>();
  private final ThreadCountGate gate = new ThreadCountGate(settings::add);

  @Test
  void setsTheCountOnlyWhenItChanges() {
    gate.enter(1);
    gate.exit();
    gate.enter(1);
    gate.exit();
    gate.enter(2);
    gate.exit();
    assertThat(settings).containsExactly(1, 2);
  }

  @Test
  void callersWithTheSameCountRunTogether() throws InterruptedException {
    gate.enter(1);
    CountDownLatch entered = new CountDownLatch(1);
    Thread other =
        Thread.ofPlatform()
            .start(
                () -> {
                  gate.enter(1);
                  entered.countDown();
                  gate.exit();
                });
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    gate.exit();
    other.join();
    assertThat(settings).containsExactly(1);
  }

  @Test
  void aCallerWithAnotherCountWaitsAndLaterCallersQueueBehindIt() throws InterruptedException {
    List<String> order = new CopyOnWriteArrayList<>();
    gate.enter(1); // a 1-thread call in flight

    Thread wantsTwo = start(2, "two", order);
    awaitWaiting(wantsTwo);
    // Would run alongside the call in flight, but must not overtake the caller waiting for 2.
    Thread wantsOne = start(1, "one", order);
    awaitWaiting(wantsOne);
    assertThat(order).isEmpty();

    gate.exit();
    wantsTwo.join();
    wantsOne.join();
    assertThat(order).containsExactly("two", "one");
    assertThat(settings).containsExactly(1, 2, 1);
  }

  @Test
  void exitWithoutEnterIsABug() {
    assertThatThrownBy(gate::exit).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aFailedSettingDoesNotBlockTheCallersBehind() {
    ThreadCountGate failing =
        new ThreadCountGate(
            threads -> {
              if (threads == 3) {
                throw new IllegalStateException("cannot start 3 threads");
              }
            });
    assertThatThrownBy(() -> failing.enter(3)).hasMessage("cannot start 3 threads");
    failing.enter(1); // would wait forever if the failed caller had kept its turn
    failing.exit();
  }

  private Thread start(int threads, String name, List<String> order) {
    return Thread.ofPlatform()
        .name(name)
        .start(
            () -> {
              gate.enter(threads);
              order.add(name);
              gate.exit();
            });
  }

  private static void awaitWaiting(Thread thread) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (thread.getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime()).as("%s never started waiting", thread).isLessThan(deadline);
      Thread.sleep(1);
    }
  }
}
