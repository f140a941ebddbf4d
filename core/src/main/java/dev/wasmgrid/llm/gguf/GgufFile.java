package dev.wasmgrid.llm.gguf;

import dev.wasmgrid.llm.ModelFormatException;
import dev.wasmgrid.llm.io.ByteSource;
import java.util.List;
import java.util.Map;

/**
 * A parsed GGUF file: metadata values (Long for integers, Double for floats, Boolean, String, or a
 * List of those), tensor entries, and the bytes they point into.
 */
public record GgufFile(
    int version, Map<String, Object> metadata, Map<String, GgufTensor> tensors, ByteSource source) {

  public GgufFile {
    metadata = Map.copyOf(metadata);
    tensors = Map.copyOf(tensors);
  }

  /** The string at {@code key}, or {@code fallback} when absent. */
  public String string(String key, String fallback) {
    Object v = metadata.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof String s) {
      return s;
    }
    throw wrongType(key, "a string", v);
  }

  /** The integer at {@code key}, which must lie in [min, max]; {@code fallback} when absent. */
  public long integer(String key, long fallback, long min, long max) {
    Object v = metadata.get(key);
    if (v == null) {
      if (fallback < min) {
        throw new ModelFormatException("GGUF: metadata " + key + " is missing");
      }
      return fallback;
    }
    if (!(v instanceof Long n)) {
      throw wrongType(key, "an integer", v);
    }
    if (n < min || n > max) {
      throw new ModelFormatException(
          "GGUF: metadata " + key + " = " + n + " outside [" + min + ", " + max + "]");
    }
    return n;
  }

  /** The number at {@code key}, or {@code fallback} when absent. */
  public double number(String key, double fallback) {
    Object v = metadata.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Double d) {
      return d;
    }
    if (v instanceof Long n) {
      return n;
    }
    throw wrongType(key, "a number", v);
  }

  /** The boolean at {@code key}, or {@code fallback} when absent. */
  public boolean flag(String key, boolean fallback) {
    Object v = metadata.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw wrongType(key, "a boolean", v);
  }

  /** The array at {@code key}, or null when absent. */
  public List<?> array(String key) {
    Object v = metadata.get(key);
    if (v == null || v instanceof List<?>) {
      return (List<?>) v;
    }
    throw wrongType(key, "an array", v);
  }

  private static ModelFormatException wrongType(String key, String expected, Object v) {
    return new ModelFormatException(
        "GGUF: metadata "
            + key
            + " should be "
            + expected
            + ", is "
            + v.getClass().getSimpleName());
  }
}
