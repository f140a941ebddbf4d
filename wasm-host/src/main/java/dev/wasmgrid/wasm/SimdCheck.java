package dev.wasmgrid.wasm;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.NameCustomSection;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the first use of SIMD (the {@code v128} type and its {@code 0xFD}-prefixed instructions),
 * which Chicory 1.7.5's compiler cannot translate (nor Endive 1.0.0's, the newest compiler
 * published): such a module is refused at deployment, naming where, rather than failing there with
 * "Unhandled opcode".
 */
final class SimdCheck {

  private static final int SIMD_PREFIX = 0xFD;

  private SimdCheck() {}

  /** Where {@code module} first uses SIMD, e.g. "v128.const in function 'dot2' (index 1)". */
  static Optional<String> firstUse(WasmModule module) {
    int imported = module.importSection().count(ExternalType.FUNCTION);
    for (int i = 0; i < module.codeSection().functionBodyCount(); i++) {
      FunctionBody body = module.codeSection().getFunctionBody(i);
      FunctionType type = module.functionSection().getFunctionType(i, module.typeSection());
      String where = function(module, imported + i);
      for (Instruction instruction : body.instructions()) {
        if (instruction.opcode().opcode() >> 8 == SIMD_PREFIX) {
          return Optional.of(text(instruction.opcode().name()) + " in " + where);
        }
      }
      if (type.params().contains(ValType.V128) || type.returns().contains(ValType.V128)) {
        return Optional.of("a v128 parameter or result in " + where);
      }
      if (body.localTypes().contains(ValType.V128)) {
        return Optional.of("a v128 local in " + where);
      }
    }
    return Optional.empty();
  }

  /** "function 'name' (index N)", or "function N" when the module carries no name for it. */
  private static String function(WasmModule module, int index) {
    NameCustomSection names = module.nameSection();
    String name = names == null ? null : names.nameOfFunction(index);
    for (int e = 0; name == null && e < module.exportSection().exportCount(); e++) {
      Export export = module.exportSection().getExport(e);
      if (export.exportType() == ExternalType.FUNCTION && export.index() == index) {
        name = export.name();
      }
    }
    return name == null ? "function " + index : "function '%s' (index %d)".formatted(name, index);
  }

  /** Chicory's opcode name as the text format writes it: V128_CONST is v128.const. */
  private static String text(String opcode) {
    return opcode.toLowerCase(Locale.ROOT).replaceFirst("_", ".");
  }
}
