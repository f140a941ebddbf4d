package dev.wasmgrid.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.llm.gguf.GgufFile;
import dev.wasmgrid.llm.gguf.GgufReader;
import dev.wasmgrid.llm.io.ArrayByteSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The llama.cpp fixtures under {@code fixtures/} (copied from the shared llm-fixtures): tiny
 * random-weight models with byte-level BPE vocabularies, and what llama.cpp computed for them.
 */
public final class Fixtures {
  /** A tiny qwen2 model: q/k/v biases, NEOX rope, base 1e6, tokenizer.ggml.pre qwen2. */
  public static final String QWEN2 = "qwen2-bpe/tiny-qwen2-F32.gguf";

  /** A tiny llama with a Llama 3-style vocabulary (pre llama-bpe), rope base 500000. */
  public static final String LLAMA3 = "llama3-bpe/tiny-llama3bpe-F32.gguf";

  private Fixtures() {}

  public static byte[] bytes(String path) {
    try (InputStream in = Fixtures.class.getResourceAsStream("fixtures/" + path)) {
      if (in == null) {
        throw new IllegalStateException("no test resource fixtures/" + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static GgufFile gguf(String path) {
    return GgufReader.read(new ArrayByteSource(bytes(path)));
  }

  /** The expected.json beside {@code model}. */
  public static JsonNode expected(String model) {
    return json(model.substring(0, model.indexOf('/')) + "/expected.json");
  }

  public static JsonNode json(String path) {
    try {
      return new ObjectMapper().readTree(bytes(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static int[] ids(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  public static List<JsonNode> list(JsonNode array) {
    List<JsonNode> out = new ArrayList<>();
    array.forEach(out::add);
    return out;
  }
}
