package dev.wasmgrid.wasm.recycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.wasm.WasmCallException;
import dev.wasmgrid.wasm.WasmCallException.Code;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stateful module refuses a handle its state never issued (issue 15): the prover would answer
 * {@code prove} from the empty memory at that address, a wrong answer that looks right.
 */
class UnknownHandleTest {

  @Test
  void aHandleNeverIssuedIsRefusedInsteadOfRunningOnAnEmptyState() {
    try (RecyclingProxy proxy =
        new RecyclingProxy(
            RecyclingProxyTest.PROVER, RecyclingProxyTest.proverPolicy(), RecycleListener.NONE)) {
      // Before any setup: on the old code this answered the empty table's digest.
      assertThatThrownBy(() -> proxy.call("prove", 70_000, 0))
          .isInstanceOfSatisfying(
              WasmCallException.class,
              e -> {
                assertThat(e.code()).isEqualTo(Code.UNKNOWN_HANDLE);
                assertThat(e.getMessage())
                    .contains("argument 0 of 'prove' is 70000")
                    .contains(proxy.epoch());
              });
      long handle = proxy.call("setup", 1)[0];
      assertThat(proxy.call("prove", handle, 0)[0]).isEqualTo(RecyclingProxyTest.proof(1));
      assertThatThrownBy(() -> proxy.call("state_digest", handle + 8))
          .isInstanceOfSatisfying(
              WasmCallException.class, e -> assertThat(e.code()).isEqualTo(Code.UNKNOWN_HANDLE));
      // Exports without handle positions take any value, as before.
      assertThat(proxy.call("div", 42, 6)[0]).isEqualTo(7);
    }
  }

  @Test
  void anotherProxysHandleIsUnknownAndItsEpochDiffers() throws Exception {
    try (RecyclingProxy first =
            new RecyclingProxy(
                RecyclingProxyTest.PROVER,
                RecyclingProxyTest.proverPolicy(),
                RecycleListener.NONE);
        RecyclingProxy second =
            new RecyclingProxy(
                RecyclingProxyTest.PROVER,
                RecyclingProxyTest.proverPolicy(),
                RecycleListener.NONE)) {
      long handle = first.call("setup", 1)[0];
      // Same module, same first allocation: the raw value would point at an empty table there.
      assertThatThrownBy(() -> second.call("prove", handle, 0))
          .isInstanceOfSatisfying(
              WasmCallException.class, e -> assertThat(e.code()).isEqualTo(Code.UNKNOWN_HANDLE));
      assertThat(second.epoch()).isNotEqualTo(first.epoch()).hasSize(16);
      // A swap keeps the state, the epoch and the handle's validity.
      String epoch = first.epoch();
      first.recycle().get(30, TimeUnit.SECONDS);
      assertThat(first.epoch()).isEqualTo(epoch);
      assertThat(first.call("prove", handle, 0)[0]).isEqualTo(RecyclingProxyTest.proof(1));
    }
  }
}
