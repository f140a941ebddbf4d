package dev.wasmgrid.modules.coordinator;

import dev.wasmgrid.errors.Failure;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** The module routes' paths, shared with the workers' (see {@code ModuleWorkerService}). */
final class ModulePaths {
  static final String LIST = "/v1/modules";
  static final String MODULE = LIST + "/{name}";
  static final String SUB = MODULE + "/{sub}";
  static final String CALL = MODULE + "/call/{export}";

  /** The sub-resource holding a module's recycling policy: set, its calls build state. */
  static final String RECYCLING = "recycling";

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  private static final Pattern UNRESERVED = Pattern.compile("[A-Za-z0-9_.~-]");
  private static final String HEX = "0123456789ABCDEF";

  private ModulePaths() {}

  static String module(String name) {
    return LIST + "/" + name;
  }

  /**
   * Checks a module name as a worker does, so a bad one fails here with the worker's error.
   *
   * @throws Failure 400 {@code invalid_name}
   */
  static String checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw Failure.invalid(
          "invalid_name",
          "name",
          "a module name is 1 to 64 of [a-z0-9_-], starting with a letter or digit: " + name);
    }
    return name;
  }

  /**
   * A path segment as it goes into a worker's URL: an export's name may be any text, so every byte
   * outside the unreserved characters is percent-encoded (the worker decodes it back).
   */
  static String segment(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (UNRESERVED.matcher(String.valueOf(c)).matches()) {
        out.append(c);
      } else {
        out.append('%').append(HEX.charAt((b >> 4) & 0xf)).append(HEX.charAt(b & 0xf));
      }
    }
    return out.toString();
  }
}
