package dev.wasmgrid.wasm;

import java.util.List;

/**
 * One export of a module, with its signature.
 *
 * @param name the export's name
 * @param kind what it exports
 * @param params a function's parameter types ({@code i32}, {@code i64}, {@code f32}, {@code f64},
 *     ...); empty for other kinds
 * @param results a function's result types, or a global's type; empty for memories and tables
 */
public record ExportInfo(String name, Kind kind, List<String> params, List<String> results) {

  /** What an export is. */
  public enum Kind {
    /** A function, callable with {@link WasmInstance#call}. */
    FUNCTION,
    /** A linear memory. */
    MEMORY,
    /** A global variable. */
    GLOBAL,
    /** A table of references. */
    TABLE,
    /** An exception tag. */
    TAG
  }

  /** Copies the lists, so that the record is immutable. */
  public ExportInfo {
    params = List.copyOf(params);
    results = List.copyOf(results);
  }

  /** A function's signature as {@code (i32, i32) -> (i64)}; other kinds give their kind. */
  public String signature() {
    if (kind != Kind.FUNCTION) {
      return kind.name().toLowerCase(java.util.Locale.ROOT);
    }
    return "(" + String.join(", ", params) + ") -> (" + String.join(", ", results) + ")";
  }
}
