package dev.wasmgrid.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Loading checks the size and the bytes; instantiation checks memory and the instance count. */
class ModuleLoadingTest {

  /** The magic, version 1, and a type section with one () -> () type. */
  private static final String HEAD = "0061736d 01000000 01040160 0000";

  /** (module (import "env" "f" (func))): valid wasm, but the host provides no imports. */
  private static final byte[] IMPORTS_A_FUNCTION = hex(HEAD + "02090103 656e7601 660000");

  /** (module (func unreachable) (start 0)): traps while instantiating. */
  private static final byte[] START_TRAPS = startModule("000b");

  /** (module (func (loop (br 0))) (start 0)): never finishes instantiating. */
  private static final byte[] START_LOOPS = startModule("03400c00 0b0b");

  /**
   * A module whose only function, of type () -> (), is its start function: function section, start
   * section, then a code section holding {@code body} (instructions, ending in end).
   */
  private static byte[] startModule(String body) {
    byte[] code = hex(body);
    int function = 1 + code.length; // the locals count (0), then the body
    String sizes = String.format("0a%02x01%02x00", 2 + function, function);
    return hex(HEAD + "03020100 080100" + sizes + body);
  }

  private static byte[] hex(String text) {
    return HexFormat.of().parseHex(text.replace(" ", ""));
  }

  private static WasmCallException.Code codeOf(Runnable action) {
    try {
      action.run();
    } catch (WasmCallException e) {
      return e.code();
    }
    throw new AssertionError("no WasmCallException");
  }

  @Test
  void limitsHaveTheDocumentedDefaults() {
    ModuleLimits limits = ModuleLimits.defaults();
    assertThat(limits.maxBytes()).isEqualTo(16L << 20);
    assertThat(limits.maxPages()).isEqualTo(4096);
    assertThat(limits.callTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(limits.maxInstances()).isEqualTo(4);
    assertThatThrownBy(() -> limits.withMaxPages(65537))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> limits.withCallTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void bytesThatAreNotWasmAreAnInvalidModule() {
    byte[] prover = WasmModules.bundledBytes("prover");
    for (byte[] bad :
        new byte[][] {
          "not wasm at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
          new byte[0],
          Arrays.copyOf(prover, prover.length / 2),
          IMPORTS_A_FUNCTION
        }) {
      assertThatThrownBy(() -> WasmModules.compile("bad", bad, ModuleLimits.defaults()))
          .isInstanceOfSatisfying(
              WasmCallException.class,
              e -> {
                assertThat(e.code()).isEqualTo(WasmCallException.Code.INVALID_MODULE);
                assertThat(e.code().id()).isEqualTo("invalid_module");
                assertThat(e).hasMessageContaining("module 'bad'");
              });
    }
    assertThatThrownBy(
            () -> WasmModules.compile("imp", IMPORTS_A_FUNCTION, ModuleLimits.defaults()))
        .hasMessageContaining("the host does not provide");
  }

  @Test
  void aModuleOverTheSizeLimitIsRefusedBeforeParsing() {
    byte[] prover = WasmModules.bundledBytes("prover");
    ModuleLimits limits = ModuleLimits.defaults().withMaxBytes(prover.length - 1);
    assertThatThrownBy(() -> WasmModules.compile("prover", prover, limits))
        .isInstanceOfSatisfying(
            WasmCallException.class, e -> assertThat(e.code().id()).isEqualTo("module_too_large"))
        .hasMessageContaining(String.valueOf(prover.length));
    assertThat(WasmModules.compile("prover", prover, limits.withMaxBytes(prover.length)).name())
        .isEqualTo("prover");
  }

  @Test
  void initialMemoryOverTheLimitFailsInstantiation() {
    // The modules start with 2 pages.
    CompiledModule tiny = WasmModules.bundled("prover", ModuleLimits.defaults().withMaxPages(1));
    assertThat(codeOf(tiny::instantiate)).isEqualTo(WasmCallException.Code.MEMORY_LIMIT);
    assertThat(tiny.liveInstances()).isZero();
  }

  @Test
  void liveInstancesAreCappedAndClosingFreesASlot() {
    CompiledModule prover =
        WasmModules.bundled("prover", ModuleLimits.defaults().withMaxInstances(2));
    WasmInstance first = prover.instantiate();
    WasmInstance second = prover.instantiate();
    assertThat(prover.liveInstances()).isEqualTo(2);
    assertThat(codeOf(prover::instantiate)).isEqualTo(WasmCallException.Code.TOO_MANY_INSTANCES);
    first.close();
    first.close(); // idempotent: frees one slot only
    try (WasmInstance third = prover.instantiate()) {
      assertThat(third.call("spin", 10)[0]).isEqualTo(45);
      assertThat(prover.liveInstances()).isEqualTo(2);
    }
    second.close();
    assertThat(prover.liveInstances()).isZero();
    assertThat(codeOf(() -> first.call("spin", 1)))
        .isEqualTo(WasmCallException.Code.BROKEN_INSTANCE);
  }

  @Test
  void aStartFunctionThatTrapsOrLoopsFailsInstantiationOnly() {
    ModuleLimits limits = ModuleLimits.defaults().withCallTimeout(Duration.ofMillis(200));
    CompiledModule traps = WasmModules.compile("traps", START_TRAPS, limits);
    assertThat(codeOf(traps::instantiate)).isEqualTo(WasmCallException.Code.TRAP);
    assertThat(traps.liveInstances()).isZero();
    CompiledModule loops = WasmModules.compile("loops", START_LOOPS, limits);
    long start = System.nanoTime();
    assertThat(codeOf(loops::instantiate)).isEqualTo(WasmCallException.Code.TIMEOUT);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    assertThat(loops.liveInstances()).isZero();
  }
}
