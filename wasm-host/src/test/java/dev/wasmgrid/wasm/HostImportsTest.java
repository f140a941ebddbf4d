package dev.wasmgrid.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.testing.TestModules;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Modules built by real toolchains ({@link TestModules}: clang against Debian's wasi-libc, Debian's
 * rustc for WASI, AssemblyScript's asc) run on the host's imports: WASI in a sandbox with stdout
 * and stderr captured per call, AssemblyScript's {@code env.abort}, an imported memory; a module
 * importing anything else is refused with every such import named.
 */
class HostImportsTest {

  private static final CompiledModule WASI =
      WasmModules.compile("wasi", TestModules.bytes("wasi_text"), ModuleLimits.defaults());

  @Test
  void printfReachesTheCallersOutputPerCall() {
    try (WasmInstance instance = WASI.instantiate()) {
      assertThat(instance.call("greet", 21)).containsExactly(42);
      CallOutput first = instance.takeOutput();
      assertThat(first.stdout()).isEqualTo("hello 21 from wasi-libc\n");
      assertThat(first.stderr()).isEqualTo("note: greet(21)\n");
      assertThat(first.exitCode()).isEmpty();
      assertThat(instance.call("greet", 5)).containsExactly(10);
      assertThat(instance.takeOutput().stdout()).isEqualTo("hello 5 from wasi-libc\n");
      assertThat(instance.takeOutput()).isEqualTo(CallOutput.NONE);
    }
  }

  @Test
  void mallocBuffersAreFreedSoThatLargeBuffersNeverRunOut() {
    // 200 buffers of 4 MiB are 800 MiB, three times the 256 MiB limit: only freeing lets them pass.
    byte[] data = new byte[4 << 20];
    new Random(7).nextBytes(data);
    try (WasmInstance instance = WASI.instantiate()) {
      for (int i = 0; i < 200; i++) {
        data[i] ^= 1;
        int ptr = instance.write(data);
        assertThat(instance.call("fnv1a", ptr, data.length)).containsExactly(fnv1a(data));
        instance.free(ptr, data.length);
      }
      assertThat(instance.memoryBytes()).isLessThan(64L << 20);
    }
  }

  @Test
  void emscriptensMemoryGrowthNoticeIsAccepted() {
    assertThat(WASI.imports()).contains("env.emscripten_notify_memory_growth");
    try (WasmInstance instance = WASI.instantiate()) {
      long pages = instance.memoryBytes() / 65536;
      assertThat(instance.call("grow_page")).containsExactly(pages);
      assertThat(instance.memoryBytes()).isEqualTo((pages + 1) * 65536);
    }
  }

  @Test
  void aRustModuleUsesItsOwnAllocatorAndPrints() {
    CompiledModule words =
        WasmModules.compile("words", TestModules.bytes("words"), ModuleLimits.defaults());
    assertThat(words.allocatorExports()).hasValue(java.util.List.of("alloc", "dealloc"));
    byte[] text = "the quick  brown fox\njumps".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (WasmInstance instance = words.instantiate()) {
      for (int i = 0; i < 3; i++) {
        int ptr = instance.write(text);
        assertThat(instance.call("word_count", ptr, text.length)).containsExactly(5);
        instance.free(ptr, text.length);
        CallOutput output = instance.takeOutput();
        assertThat(output.stdout()).isEqualTo("5 words\n");
        assertThat(output.stderr()).isEqualTo("counted 26 bytes\n");
      }
    }
  }

  @Test
  void theSandboxHasNoHostFiles() {
    try (WasmInstance instance = WASI.instantiate()) {
      long errno = instance.call("open_file")[0];
      // wasi-libc's ENOENT (44) or ENOTCAPABLE (76): no directory is preopened.
      assertThat(errno).isIn(44L, 76L);
    }
  }

  @Test
  void randomIsSeededPerModuleAndTheClockIsTheHosts() {
    long[] first;
    long[] second;
    try (WasmInstance a = WASI.instantiate();
        WasmInstance b = WASI.instantiate()) {
      first = new long[] {a.call("random64")[0], a.call("random64")[0]};
      second = new long[] {b.call("random64")[0], b.call("random64")[0]};
      long before = System.currentTimeMillis();
      long now = a.call("now_ms")[0];
      assertThat(now).isBetween(before - 1000, System.currentTimeMillis() + 1000);
    }
    assertThat(first[0]).isNotEqualTo(first[1]);
    assertThat(second).containsExactly(first);
  }

  @Test
  void aRestoredSnapshotDrawsTheRandomBytesTheOriginalWouldHaveDrawn() {
    try (WasmInstance original = WASI.instantiate();
        WasmInstance restored = WASI.instantiate()) {
      original.call("random64");
      original.call("random64");
      restored.call("random64"); // drawn before the restore: the snapshot's count wins
      restored.restore(original.snapshot());
      assertThat(restored.call("random64")).containsExactly(original.call("random64"));
    }
  }

  @Test
  void procExitEndsTheCallCleanlyAndRetiresTheInstance() {
    try (WasmInstance instance = WASI.instantiate()) {
      assertThat(instance.call("quit", 3)).isEmpty();
      CallOutput output = instance.takeOutput();
      assertThat(output.exitCode()).hasValue(3);
      assertThat(output.stdout()).isEqualTo("bye 3\n");
      assertThat(instance.exited()).isTrue();
      assertThatThrownBy(() -> instance.call("greet", 1))
          .isInstanceOfSatisfying(
              WasmCallException.class,
              e -> assertThat(e.code()).isEqualTo(WasmCallException.Code.BROKEN_INSTANCE))
          .hasMessageContaining("exited");
    }
  }

  @Test
  void assemblyScriptAbortFailsTheCallWithItsMessage() {
    CompiledModule checks =
        WasmModules.compile("checks", TestModules.bytes("checks"), ModuleLimits.defaults());
    assertThat(checks.importsMemory()).isTrue();
    assertThat(checks.imports()).contains("env.abort", "env.memory");
    try (WasmInstance instance = checks.instantiate()) {
      assertThat(instance.call("isqrt", 49)).containsExactly(7);
      assertThat(instance.call("triangle", 100_000)).containsExactly(5_000_050_000L);
      assertThat(WasmValues.asF64(instance.call("traced", WasmValues.f64(2.5))[0])).isEqualTo(5.0);
      assertThat(instance.takeOutput().stderr()).isEqualTo("trace: traced 2.5\n");
      assertThatThrownBy(() -> instance.call("isqrt", -4))
          .isInstanceOfSatisfying(
              WasmCallException.class,
              e -> assertThat(e.code()).isEqualTo(WasmCallException.Code.ABORTED))
          .hasMessageContaining("isqrt of a negative number at checks.ts:");
      assertThat(instance.broken()).isTrue();
    }
    try (WasmInstance fresh = checks.instantiate()) {
      assertThat(fresh.call("isqrt", 1_000_000)).containsExactly(1000);
    }
  }

  @Test
  void aModuleImportingWhatIsNotProvidedIsRefusedNamingEveryImport() {
    assertThatThrownBy(
            () ->
                WasmModules.compile(
                    "missing", TestModules.bytes("missing_imports"), ModuleLimits.defaults()))
        .isInstanceOfSatisfying(
            WasmCallException.class,
            e -> assertThat(e.code()).isEqualTo(WasmCallException.Code.INVALID_MODULE))
        .hasMessageContaining("imports 3 thing(s) the host does not provide")
        .hasMessageContaining("host.lookup (function (i32) -> (i32))")
        .hasMessageContaining("host.store (function (i32, i64) -> ())")
        .hasMessageContaining(
            "env.abort (function (i32) -> (); the host's is (i32, i32, i32, i32) -> ())");
  }

  @Test
  void aNamedAllocatorMustExistAndFit() {
    byte[] bytes = TestModules.bytes("wasi_text");
    assertThatThrownBy(
            () ->
                WasmModules.compile(
                    "w",
                    bytes,
                    ModuleLimits.defaults(),
                    new BufferExports(Optional.of("my_alloc"), Optional.empty())))
        .isInstanceOfSatisfying(
            WasmCallException.class,
            e -> assertThat(e.code()).isEqualTo(WasmCallException.Code.INVALID_ALLOCATOR))
        .hasMessageContaining("no function export 'my_alloc'");
    assertThatThrownBy(
            () ->
                WasmModules.compile(
                    "w",
                    bytes,
                    ModuleLimits.defaults(),
                    new BufferExports(Optional.of("quit"), Optional.empty())))
        .hasMessageContaining("export 'quit' (i32) -> () is no allocator")
        .isInstanceOf(WasmCallException.class);
    CompiledModule named =
        WasmModules.compile(
            "w",
            bytes,
            ModuleLimits.defaults(),
            new BufferExports(Optional.of("malloc"), Optional.of("free")));
    assertThat(named.allocatorExports()).hasValue(java.util.List.of("malloc", "free"));
    assertThat(WASI.allocatorExports()).hasValue(java.util.List.of("malloc", "free"));
  }

  static long fnv1a(byte[] data) {
    long h = 0xcbf29ce484222325L;
    for (byte b : data) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
