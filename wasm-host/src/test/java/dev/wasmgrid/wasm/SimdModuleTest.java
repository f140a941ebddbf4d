package dev.wasmgrid.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.testing.TestModules;
import org.junit.jupiter.api.Test;

/**
 * A module clang built with {@code -msimd128} ({@code simd.c}): Chicory's compiler (1.7.5, the
 * newest on Maven Central; Endive's 1.0.0 alike) has no v128 instructions, so it is refused at load
 * with the first SIMD instruction and its function named, not "Unhandled opcode".
 */
class SimdModuleTest {

  @Test
  void aSimdModuleIsRefusedNamingTheFirstSimdInstructionAndItsFunction() {
    assertThatThrownBy(
            () -> WasmModules.compile("simd", TestModules.bytes("simd"), ModuleLimits.defaults()))
        .isInstanceOfSatisfying(
            WasmCallException.class,
            e -> assertThat(e.code()).isEqualTo(WasmCallException.Code.UNSUPPORTED_SIMD))
        .hasMessageMatching(
            "module 'simd' uses SIMD \\((v128|f64x2|i8x16|i16x8|i32x4|i64x2|f32x4)\\.[a-z0-9_]+"
                + " in function 'dot2' \\(index 1\\)\\), which the host's engine cannot run: .*"
                + "-msimd128.*");
  }
}
