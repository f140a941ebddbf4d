package dev.wasmgrid.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.llm.jvm.ModelFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The tiny llama that llama.cpp's {@code llama-quantize} wrote in each type, with what llama.cpp
 * computes for it (copied from {@code shared/llm-fixtures/llama-spm}; its README describes them).
 */
final class LlamaCppFixtures {
  private static final String DIR = "/dev/wasmgrid/llm/llama-spm/";

  /** The files whose every tensor type the runtime reads: llama-quantize's type names. */
  static final List<String> SUPPORTED =
      List.of(
          "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_S", "Q3_K_M",
          "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "IQ4_NL", "IQ4_XS");

  private LlamaCppFixtures() {}

  /** The model file {@code tiny-llama-<type>.gguf}. */
  static byte[] model(String type) {
    return resource("models/tiny-llama-" + type + ".gguf");
  }

  /**
   * {@code tiny-llama-<type>.gguf} written into {@code dir} and loaded as {@code generate} and
   * {@code serve} load a file: memory-mapped, packed matrices read in place.
   */
  static Model mapped(Path dir, String type) throws IOException {
    Path file = dir.resolve("tiny-llama-" + type + ".gguf");
    Files.write(file, model(type));
    return ModelFiles.load(file, null);
  }

  /** {@code dequant/<type>.json}: per tensor, the SHA-256 of llama.cpp's dequantization. */
  static JsonNode dequant(String type) {
    return json("dequant/" + type + ".json");
  }

  /** {@code expected/<type>.json}: greedy generations computed by llama.cpp. */
  static JsonNode expected(String type) {
    return json("expected/" + type + ".json");
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  private static JsonNode json(String path) {
    try {
      return new ObjectMapper().readTree(resource(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] resource(String path) {
    try (InputStream in = LlamaCppFixtures.class.getResourceAsStream(DIR + path)) {
      if (in == null) {
        throw new IllegalStateException("test resource " + DIR + path + " is missing");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
