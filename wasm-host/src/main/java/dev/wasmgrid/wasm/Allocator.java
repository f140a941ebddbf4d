package dev.wasmgrid.wasm;

import java.util.List;
import java.util.Optional;

/**
 * A module's allocator and deallocator exports, resolved against its exports, and the arguments
 * each takes. Buffers are asked for with an alignment of {@link #ALIGN} where the allocator takes
 * one.
 */
record Allocator(String alloc, int allocParams, Optional<String> free, int freeParams) {

  /** The alignment asked of an allocator that takes one: enough for any wasm scalar. */
  static final int ALIGN = 8;

  /**
   * The allocator of a module with {@code exports} under the deployer's {@code names}; empty when
   * none is named and the module has none of the usual ones.
   *
   * @throws WasmCallException {@code invalid_allocator} when a named export is missing or does not
   *     fit
   */
  static Optional<Allocator> resolve(String module, List<ExportInfo> exports, BufferExports names) {
    Optional<ExportInfo> alloc =
        pick(module, exports, names.alloc(), BufferExports.ALLOC_NAMES, true);
    if (alloc.isEmpty()) {
      if (names.free().isPresent()) {
        throw invalid(
            module,
            "names a deallocator '%s' but it has no allocator".formatted(names.free().get()));
      }
      return Optional.empty();
    }
    Optional<ExportInfo> free =
        pick(module, exports, names.free(), BufferExports.FREE_NAMES, false);
    return Optional.of(
        new Allocator(
            alloc.get().name(),
            alloc.get().params().size(),
            free.map(ExportInfo::name),
            free.map(f -> f.params().size()).orElse(0)));
  }

  /** The arguments of a call of the allocator for {@code size} bytes. */
  long[] allocArgs(int size) {
    return allocParams == 1 ? new long[] {size} : new long[] {size, ALIGN};
  }

  /** The arguments of a call of the deallocator for the buffer at {@code ptr} of {@code size}. */
  long[] freeArgs(int ptr, int size) {
    long p = Integer.toUnsignedLong(ptr);
    return switch (freeParams) {
      case 1 -> new long[] {p};
      case 2 -> new long[] {p, size};
      default -> new long[] {p, size, ALIGN};
    };
  }

  private static Optional<ExportInfo> pick(
      String module,
      List<ExportInfo> exports,
      Optional<String> named,
      List<String> usual,
      boolean allocator) {
    if (named.isPresent()) {
      String name = named.get();
      ExportInfo export =
          exports.stream()
              .filter(e -> e.name().equals(name) && e.kind() == ExportInfo.Kind.FUNCTION)
              .findFirst()
              .orElseThrow(() -> invalid(module, "has no function export '%s'".formatted(name)));
      if (!fits(export, allocator)) {
        throw invalid(
            module,
            "export '%s' %s is no %s: it must take %s"
                .formatted(
                    name,
                    export.signature(),
                    allocator ? "allocator" : "deallocator",
                    allocator
                        ? "(i32 size[, i32 align]) -> (i32)"
                        : "(i32 ptr[, i32 size[, i32 align]]) -> ()"));
      }
      return Optional.of(export);
    }
    for (String name : usual) {
      Optional<ExportInfo> export =
          exports.stream()
              .filter(e -> e.name().equals(name) && e.kind() == ExportInfo.Kind.FUNCTION)
              .filter(e -> fits(e, allocator))
              .findFirst();
      if (export.isPresent()) {
        return export;
      }
    }
    return Optional.empty();
  }

  private static boolean fits(ExportInfo export, boolean allocator) {
    boolean allI32 = export.params().stream().allMatch("i32"::equals);
    int n = export.params().size();
    return allocator
        ? allI32 && (n == 1 || n == 2) && export.results().equals(List.of("i32"))
        : allI32 && n >= 1 && n <= 3 && export.results().isEmpty();
  }

  private static WasmCallException invalid(String module, String what) {
    return new WasmCallException(
        WasmCallException.Code.INVALID_ALLOCATOR, "module '" + module + "' " + what);
  }
}
