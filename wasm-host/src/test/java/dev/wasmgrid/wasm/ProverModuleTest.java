package dev.wasmgrid.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The prover module: deterministic answers, leaking memory on every prove, buffers both ways. */
class ProverModuleTest {

  private static final CompiledModule PROVER =
      WasmModules.bundled("prover", ModuleLimits.defaults());

  /** What prove(setup(mib), 0) must return, computed in Java from prover.c's definition. */
  static long expectedProof(int mib) {
    int words = mib * (1024 * 1024 / 8);
    long[] table = new long[words];
    long x = 0x9e3779b97f4a7c15L;
    for (int i = 0; i < words; i++) {
      x = mix(x + Integer.toUnsignedLong(i));
      table[i] = x;
    }
    long h = 1469598103934665603L;
    for (int i = 0; i < words; i += 61) {
      h ^= table[i];
      h *= 1099511628211L;
    }
    return h;
  }

  private static long mix(long x) {
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    x *= 0xc4ceb9fe1a85ec53L;
    x ^= x >>> 33;
    return x;
  }

  @Test
  void proveIsDeterministicAcrossCallsAndInstances() {
    long expected = expectedProof(4);
    for (int round = 0; round < 2; round++) {
      try (WasmInstance prover = PROVER.instantiate()) {
        int handle = (int) prover.call("setup", 4)[0];
        assertThat(handle).isPositive();
        assertThat(prover.call("prove", handle, 0)[0]).isEqualTo(expected);
        assertThat(prover.call("prove", handle, 0)[0]).isEqualTo(expected);
      }
    }
  }

  @Test
  void setupBuildsItsTableAndProveLeaks() {
    try (WasmInstance prover = PROVER.instantiate()) {
      long empty = prover.memoryBytes();
      assertThat(empty).isEqualTo(2 * 65536L); // --initial-memory=131072
      int handle = (int) prover.call("setup", 8)[0];
      long afterSetup = prover.memoryBytes();
      assertThat(afterSetup).isGreaterThanOrEqualTo(empty + (8L << 20));

      long top = prover.call("heap_top")[0];
      for (int i = 1; i <= 3; i++) {
        // A leak of 1 MiB per call: the answer is the same, the heap only grows.
        assertThat(prover.call("prove", handle, 1024)[0]).isEqualTo(expectedProof(8));
        long nowTop = prover.call("heap_top")[0];
        assertThat(nowTop - top).isGreaterThanOrEqualTo(1L << 20);
        top = nowTop;
      }
      assertThat(prover.memoryBytes()).isGreaterThanOrEqualTo(afterSetup + (3L << 20));
      assertThat(prover.call("mem_pages")[0] * 65536L).isEqualTo(prover.memoryBytes());
    }
  }

  @Test
  void buffersGoInThroughAllocAndComeBackOut() {
    try (WasmInstance prover = PROVER.instantiate()) {
      byte[] in = "hello, wasm".getBytes(StandardCharsets.UTF_8);
      int inPtr = prover.write(in);
      int outPtr = prover.write(new byte[in.length]);
      int sum = 0;
      for (byte b : in) {
        sum += b & 0xff;
      }
      assertThat(prover.call("reverse", inPtr, in.length, outPtr)[0]).isEqualTo(sum);
      assertThat(new String(prover.read(outPtr, in.length), StandardCharsets.UTF_8))
          .isEqualTo("msaw ,olleh");
      assertThat(prover.read(inPtr, in.length)).isEqualTo(in);
    }
  }
}
