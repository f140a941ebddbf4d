package dev.wasmgrid.wasm.recycle;

import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.ExportInfo;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks a {@link RecyclingPolicy} against the module it is for, naming what does not fit. */
final class PolicyCheck {

  private static final Set<String> INTEGERS = Set.of("i32", "i64");

  private PolicyCheck() {}

  static void against(CompiledModule module, RecyclingPolicy policy) {
    for (String export : policy.stateExports()) {
      function(module, export, "state_exports");
    }
    for (Map.Entry<String, List<Integer>> e : policy.handleParams().entrySet()) {
      ExportInfo f = function(module, e.getKey(), "handle_params");
      for (int p : e.getValue()) {
        if (p >= f.params().size() || !INTEGERS.contains(f.params().get(p))) {
          throw new IllegalArgumentException(
              "handle_params: parameter %d of '%s' %s is not an i32 or i64"
                  .formatted(p, f.name(), f.signature()));
        }
      }
    }
    if (policy.digestExport().isPresent()) {
      ExportInfo f = function(module, policy.digestExport().get(), "digest_export");
      if (f.params().size() != 1
          || !INTEGERS.contains(f.params().get(0))
          || f.results().size() != 1
          || !INTEGERS.contains(f.results().get(0))) {
        throw new IllegalArgumentException(
            "digest_export '%s' %s must take one handle (i32 or i64) and return an i32 or i64"
                .formatted(f.name(), f.signature()));
      }
    }
    if (module.limits().maxInstances() < 2) {
      throw new IllegalArgumentException(
          "recycling module '%s' needs room for 2 instances (active and standby), its limit is %d"
              .formatted(module.name(), module.limits().maxInstances()));
    }
  }

  private static ExportInfo function(CompiledModule module, String export, String field) {
    return module
        .export(export)
        .filter(e -> e.kind() == ExportInfo.Kind.FUNCTION)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "%s: module '%s' has no function export '%s'"
                        .formatted(field, module.name(), export)));
  }
}
