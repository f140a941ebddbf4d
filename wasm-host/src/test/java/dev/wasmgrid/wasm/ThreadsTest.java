package dev.wasmgrid.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One compiled module, shared; one instance per thread. */
class ThreadsTest {

  @Test
  void fourThreadsWithAnInstanceEachGetCorrectResults() throws Exception {
    CompiledModule prover = WasmModules.bundled("prover", ModuleLimits.defaults());
    long expected = ProverModuleTest.expectedProof(1);
    int calls = 50;
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        results.add(
            threads.submit(
                () -> {
                  int correct = 0;
                  try (WasmInstance instance = prover.instantiate()) {
                    int handle = (int) instance.call("setup", 1)[0];
                    for (int i = 0; i < calls; i++) {
                      byte[] in = {(byte) seed, (byte) i, 3};
                      int inPtr = instance.write(in);
                      int outPtr = instance.write(new byte[3]);
                      long sum = instance.call("reverse", inPtr, 3, outPtr)[0];
                      boolean ok =
                          instance.call("prove", handle, 0)[0] == expected
                              && sum == seed + i + 3
                              && instance.read(outPtr, 3)[2] == (byte) seed;
                      correct += ok ? 1 : 0;
                    }
                  }
                  return correct;
                }));
      }
      for (Future<Integer> result : results) {
        assertThat(result.get()).isEqualTo(calls);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(prover.liveInstances()).isZero();
  }
}
