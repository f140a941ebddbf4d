package dev.wasmgrid.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ExportsTest {

  private static Map<String, String> signatures(CompiledModule module) {
    return module.exports().stream()
        .collect(Collectors.toMap(ExportInfo::name, e -> e.kind() + " " + e.signature()));
  }

  @Test
  void proverExportsItsFunctionsWithTheirSignatures() {
    CompiledModule prover = WasmModules.bundled("prover", ModuleLimits.defaults());
    assertThat(signatures(prover))
        .containsOnly(
            entry("memory", "MEMORY memory"),
            entry("__stack_pointer", "GLOBAL global"),
            entry("__heap_base", "GLOBAL global"),
            entry("alloc", "FUNCTION (i32) -> (i32)"),
            entry("free", "FUNCTION (i32) -> ()"),
            entry("heap_top", "FUNCTION () -> (i32)"),
            entry("mem_pages", "FUNCTION () -> (i32)"),
            entry("grow", "FUNCTION (i32) -> (i32)"),
            entry("setup", "FUNCTION (i32) -> (i32)"),
            entry("setup_unstable", "FUNCTION (i32) -> (i32)"),
            entry("state_digest", "FUNCTION (i32) -> (i64)"),
            entry("prove", "FUNCTION (i32, i32) -> (i64)"),
            entry("reverse", "FUNCTION (i32, i32, i32) -> (i32)"),
            entry("spin", "FUNCTION (i64) -> (i64)"),
            entry("boom", "FUNCTION () -> (i32)"),
            entry("div", "FUNCTION (i32, i32) -> (i32)"));
    assertThat(prover.export("__heap_base").orElseThrow().results()).containsExactly("i32");
    assertThat(prover.export("prove").orElseThrow().params()).containsExactly("i32", "i32");
    // --initial-memory=131072 and --max-memory=4294967296 in build-modules.sh
    assertThat(prover.memory()).contains(new MemoryInfo(2, 65536));
  }

  @Test
  void matmulExportsTheKernelWithSixI32Parameters() {
    CompiledModule matmul = WasmModules.bundled("matmul", ModuleLimits.defaults());
    assertThat(signatures(matmul))
        .contains(
            entry("matmul", "FUNCTION (i32, i32, i32, i32, i32, i32) -> ()"),
            entry("alloc", "FUNCTION (i32) -> (i32)"),
            entry("memory", "MEMORY memory"));
    assertThat(matmul.sizeBytes()).isEqualTo(WasmModules.bundledBytes("matmul").length);
  }
}
