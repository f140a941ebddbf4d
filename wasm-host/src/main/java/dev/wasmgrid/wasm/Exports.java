package dev.wasmgrid.wasm;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads a parsed module's exports and their signatures. */
final class Exports {

  private Exports() {}

  /** Every export in the order of the export section. */
  static List<ExportInfo> of(WasmModule module) {
    ExportSection section = module.exportSection();
    // Function indices count imported functions first; the function section holds the rest.
    int importedFunctions = module.importSection().count(ExternalType.FUNCTION);
    int importedGlobals = module.importSection().count(ExternalType.GLOBAL);
    List<ExportInfo> exports = new ArrayList<>(section.exportCount());
    for (int i = 0; i < section.exportCount(); i++) {
      Export e = section.getExport(i);
      exports.add(
          switch (e.exportType()) {
            case FUNCTION -> {
              // A re-exported import has its type in the import section.
              int type =
                  e.index() < importedFunctions
                      ? importedFunctionType(module, e.index())
                      : module.functionSection().getFunctionType(e.index() - importedFunctions);
              FunctionType ft = module.typeSection().getType(type);
              yield new ExportInfo(
                  e.name(), ExportInfo.Kind.FUNCTION, names(ft.params()), names(ft.returns()));
            }
            case GLOBAL -> {
              ValType t = module.globalSection().getGlobal(e.index() - importedGlobals).valueType();
              yield new ExportInfo(e.name(), ExportInfo.Kind.GLOBAL, List.of(), List.of(name(t)));
            }
            case MEMORY -> new ExportInfo(e.name(), ExportInfo.Kind.MEMORY, List.of(), List.of());
            case TABLE -> new ExportInfo(e.name(), ExportInfo.Kind.TABLE, List.of(), List.of());
            case TAG -> new ExportInfo(e.name(), ExportInfo.Kind.TAG, List.of(), List.of());
          });
    }
    return List.copyOf(exports);
  }

  private static int importedFunctionType(WasmModule module, int index) {
    return module.importSection().stream()
        .filter(i -> i instanceof FunctionImport)
        .map(i -> ((FunctionImport) i).typeIndex())
        .skip(index)
        .findFirst()
        .orElseThrow();
  }

  private static List<String> names(List<ValType> types) {
    return types.stream().map(Exports::name).toList();
  }

  /** The text-format name of a value type: i32, i64, f32, f64, v128, funcref, externref, ... */
  static String name(ValType t) {
    if (t.equals(ValType.I32)) {
      return "i32";
    } else if (t.equals(ValType.I64)) {
      return "i64";
    } else if (t.equals(ValType.F32)) {
      return "f32";
    } else if (t.equals(ValType.F64)) {
      return "f64";
    } else if (t.equals(ValType.V128)) {
      return "v128";
    } else if (t.equals(ValType.FuncRef)) {
      return "funcref";
    } else if (t.equals(ValType.ExternRef)) {
      return "externref";
    }
    return t.toString().toLowerCase(Locale.ROOT);
  }
}
