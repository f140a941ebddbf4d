package dev.wasmgrid.wasm.recycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Seed 002's go/no-go: many leaking calls from several threads, swaps under way, none fails. */
class RecyclingUnderLoadTest {

  @Test
  void twelveHundredLeakingCallsFromFourThreadsAllSucceedAcrossManySwaps() throws Exception {
    long expected = RecyclingProxyTest.proof(4);
    try (RecyclingProxy proxy =
            new RecyclingProxy(
                RecyclingProxyTest.PROVER,
                RecyclingProxyTest.proverPolicy(),
                RecycleListener.NONE);
        ExecutorService threads = Executors.newFixedThreadPool(4)) {
      long handle = proxy.call("setup", 4)[0];
      List<Future<List<Long>>> callers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        callers.add(
            threads.submit(
                () -> {
                  List<Long> proofs = new ArrayList<>();
                  for (int i = 0; i < 300; i++) {
                    proofs.add(proxy.call("prove", handle, 256)[0]); // 256 KiB leaked each
                  }
                  return proofs;
                }));
      }
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> caller : callers) {
        all.addAll(caller.get(120, TimeUnit.SECONDS));
      }
      assertThat(all).hasSize(1200).containsOnly(expected); // -1 would mean out of memory
      RecyclerStats stats = proxy.stats();
      // 300 MiB leaked in all through 16 MiB instances: at least 300 / 12 swaps were needed.
      assertThat(stats.swaps()).isGreaterThanOrEqualTo(25);
      assertThat(stats.failedPrepares()).isZero();
      assertThat(stats.inflight()).isZero();
    }
  }

  @Test
  void swapsDuringAStormOfConcurrentCallersFailNoCall() throws Exception {
    long expected = RecyclingProxyTest.proof(2);
    try (RecyclingProxy proxy =
            new RecyclingProxy(
                RecyclingProxyTest.PROVER,
                RecyclingProxyTest.proverPolicy(),
                RecycleListener.NONE);
        ExecutorService threads = Executors.newFixedThreadPool(8)) {
      long handle = proxy.call("setup", 2)[0];
      AtomicBoolean swapping = new AtomicBoolean(true);
      List<Future<Integer>> callers = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        callers.add(
            threads.submit(
                () -> {
                  int calls = 0;
                  // Bounded: stops when the swaps are done, or after 20 000 calls.
                  while (swapping.get() && calls < 20_000) {
                    assertThat(proxy.call("prove", handle, 0)[0]).isEqualTo(expected);
                    calls++;
                  }
                  return calls;
                }));
      }
      List<SwapMethod> methods = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        methods.add(proxy.recycle().get(30, TimeUnit.SECONDS).method());
      }
      swapping.set(false);
      int calls = 0;
      for (Future<Integer> caller : callers) {
        calls += caller.get(60, TimeUnit.SECONDS);
      }
      assertThat(calls).isPositive();
      assertThat(methods).startsWith(SwapMethod.REPLAY).contains(SwapMethod.SNAPSHOT);
      assertThat(proxy.stats().generation()).isEqualTo(21);
      assertThat(proxy.call("prove", handle, 0)[0]).isEqualTo(expected);
    }
  }
}
