package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.llm.Compute;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The persistent team that splits a product's rows: coverage, failures, closing, allocation. */
class RowTeamTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4})
  void everyRowRunsExactlyOnceInEveryJob(int threads) {
    try (RowTeam team = new RowTeam(threads, "cover")) {
      for (int job = 0; job < 2000; job++) {
        int rows = 1 + job * 37 % 1000;
        int chunk = 1 + job % 97;
        AtomicIntegerArray seen = new AtomicIntegerArray(rows);
        team.run(
            rows,
            chunk,
            (from, to) -> {
              assertThat(from).isLessThan(to);
              for (int r = from; r < to; r++) {
                seen.incrementAndGet(r);
              }
            });
        for (int r = 0; r < rows; r++) {
          assertThat(seen.get(r)).as("job %d row %d of %d", job, r, rows).isEqualTo(1);
        }
      }
    }
  }

  @Test
  void aThreadDoneWithItsShareTakesTheOthersLastChunks() {
    Thread caller = Thread.currentThread();
    try (RowTeam team = new RowTeam(2, "steal")) {
      // Eight chunks of 10 rows: the caller owns the first four, the worker the last four. The
      // first chunk the caller runs waits until the worker has run one of the caller's: only a
      // worker that takes another's chunks after its own ends the wait.
      CountDownLatch stolen = new CountDownLatch(1);
      AtomicBoolean callerWaited = new AtomicBoolean();
      AtomicIntegerArray seen = new AtomicIntegerArray(80);
      team.run(
          80,
          10,
          (from, to) -> {
            for (int r = from; r < to; r++) {
              seen.incrementAndGet(r);
            }
            if (Thread.currentThread() != caller) {
              if (from < 40) {
                stolen.countDown();
              }
            } else if (callerWaited.compareAndSet(false, true)) {
              awaitBounded(stolen);
            }
          });
      for (int r = 0; r < 80; r++) {
        assertThat(seen.get(r)).as("row %d", r).isEqualTo(1);
      }
    }
  }

  @Test
  void aWorkersExceptionReachesTheCallerAndTheTeamGoesOn() {
    Thread caller = Thread.currentThread();
    try (RowTeam team = new RowTeam(2, "fail")) {
      CountDownLatch workerIn = new CountDownLatch(1);
      IllegalArgumentException boom = new IllegalArgumentException("boom");
      // Two chunks; the caller's waits until the worker has its own, which throws.
      assertThatThrownBy(
              () ->
                  team.run(
                      2,
                      1,
                      (from, to) -> {
                        if (Thread.currentThread() != caller) {
                          workerIn.countDown();
                          throw boom;
                        }
                        awaitBounded(workerIn);
                      }))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("fail-1")
          .hasCause(boom);

      AtomicInteger rows = new AtomicInteger();
      team.run(100, 10, (from, to) -> rows.addAndGet(to - from));
      assertThat(rows).hasValue(100);
    }
  }

  @Test
  void theCallersOwnExceptionComesUnchanged() {
    Thread caller = Thread.currentThread();
    try (RowTeam team = new RowTeam(2, "own")) {
      IllegalArgumentException boom = new IllegalArgumentException("mine");
      CountDownLatch callerIn = new CountDownLatch(1);
      // A worker holds one chunk until the caller has run the other, so the caller gets one.
      assertThatThrownBy(
              () ->
                  team.run(
                      2,
                      1,
                      (from, to) -> {
                        if (Thread.currentThread() == caller) {
                          callerIn.countDown();
                          throw boom;
                        }
                        awaitBounded(callerIn);
                      }))
          .isSameAs(boom);
    }
  }

  @Test
  void closeEndsTheThreadsAndLaterJobsRunOnTheCaller() {
    RowTeam team = new RowTeam(3, "closing-team");
    AtomicInteger total = new AtomicInteger();
    team.run(300, 10, (from, to) -> total.addAndGet(to - from));
    assertThat(alive("closing-team-")).hasSize(2);

    team.close();

    assertThat(alive("closing-team-")).isEmpty();
    List<String> ran = new ArrayList<>();
    team.run(30, 10, (from, to) -> ran.add(Thread.currentThread().getName() + ":" + from));
    assertThat(ran).containsExactly(Thread.currentThread().getName() + ":0");
  }

  @Test
  void aSecondCallerRunsItsJobAloneInsteadOfWaiting() throws InterruptedException {
    try (RowTeam team = new RowTeam(2, "shared")) {
      CountDownLatch firstIn = new CountDownLatch(1);
      CountDownLatch secondDone = new CountDownLatch(1);
      AtomicReference<Throwable> firstFailure = new AtomicReference<>();
      Thread first =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      team.run(
                          1,
                          1,
                          (from, to) -> {
                            firstIn.countDown();
                            awaitBounded(secondDone);
                          });
                    } catch (RuntimeException | Error e) {
                      firstFailure.set(e);
                    }
                  });
      awaitBounded(firstIn);
      AtomicIntegerArray seen = new AtomicIntegerArray(1000);
      team.run(
          1000,
          10,
          (from, to) -> {
            for (int r = from; r < to; r++) {
              seen.incrementAndGet(r);
            }
          });
      secondDone.countDown();
      first.join();
      assertThat(firstFailure.get()).isNull();
      for (int r = 0; r < 1000; r++) {
        assertThat(seen.get(r)).isEqualTo(1);
      }
    }
  }

  @Test
  void aCallerNamedSoloRunsItsJobsAloneAndTheTeamResumesAfter() {
    try (RowTeam team = new RowTeam(2, "solo")) {
      Thread me = Thread.currentThread();
      team.soloFor(me);
      for (int job = 0; job < 500; job++) {
        AtomicIntegerArray seen = new AtomicIntegerArray(512);
        team.run(
            512,
            16,
            (from, to) -> {
              assertThat(Thread.currentThread()).isSameAs(me);
              for (int r = from; r < to; r++) {
                seen.incrementAndGet(r);
              }
            });
        for (int r = 0; r < 512; r++) {
          assertThat(seen.get(r)).isEqualTo(1);
        }
      }
      team.soloFor(null);
      // The worker takes a chunk again: the caller's first chunk holds until one has run elsewhere.
      CountDownLatch elsewhere = new CountDownLatch(1);
      team.run(
          64,
          32,
          (from, to) -> {
            if (Thread.currentThread() == me) {
              awaitBounded(elsewhere);
            } else {
              elsewhere.countDown();
            }
          });
      assertThat(elsewhere.getCount()).isZero();
    }
  }

  @Test
  void jobsAllocateNothingOnceWarm() {
    com.sun.management.ThreadMXBean bean =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    float[] out = new float[4096];
    Compute.RangeTask work =
        (from, to) -> {
          for (int r = from; r < to; r++) {
            out[r] += 1;
          }
        };
    try (RowTeam team = new RowTeam(2, "alloc-team")) {
      for (int i = 0; i < 20_000; i++) {
        team.run(out.length, 256, work);
      }
      List<Thread> threads = new ArrayList<>(alive("alloc-team-"));
      threads.add(Thread.currentThread());
      long[] ids = threads.stream().mapToLong(Thread::threadId).toArray();
      long before = sum(bean.getThreadAllocatedBytes(ids));
      for (int i = 0; i < 20_000; i++) {
        team.run(out.length, 256, work);
      }
      // A few hundred bytes may come from the JVM's own bookkeeping; one object a job would be
      // 20,000 objects.
      assertThat(sum(bean.getThreadAllocatedBytes(ids)) - before).isLessThan(20_000);
    }
  }

  private static long sum(long[] values) {
    long s = 0;
    for (long v : values) {
      s += v;
    }
    return s;
  }

  private static List<Thread> alive(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(prefix) && t.isAlive())
        .toList();
  }

  private static void awaitBounded(CountDownLatch latch) {
    try {
      assertThat(latch.await(1, TimeUnit.MINUTES)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
