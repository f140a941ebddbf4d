package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.ModelFormatException;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TinyModels;
import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.gguf.GgufReader;
import dev.wasmgrid.llm.gguf.GgufWriter;
import dev.wasmgrid.llm.io.LittleEndian;
import dev.wasmgrid.llm.llama2c.Llama2cModels;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Loads model files on the JVM: GGUF (recognised by its magic) or a llama2.c checkpoint with its
 * {@code tokenizer.bin}. Files are memory-mapped, so a multi-gigabyte file is never read into a
 * heap buffer: a GGUF file's packed tensors stay views of the mapping (opening one costs the header
 * and the few tensors held as arrays), the rest is copied into arrays; the mapping goes when no
 * view of it is left.
 */
public final class ModelFiles {

  /**
   * Seed of the tiny model's weights: fixed, so {@code --model tiny} is the same model everywhere.
   */
  private static final long TINY_SEED = 1;

  private ModelFiles() {}

  /**
   * Writes the tiny random-weight model ({@code --model tiny}: {@link TinyModels#tinyConfig()},
   * Q8_0) to a new temporary file, which the caller deletes.
   */
  public static Path writeTiny() throws IOException {
    Path file = Files.createTempFile("wasmgrid-tiny-", ".gguf");
    LlamaConfig config = TinyModels.tinyConfig();
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file))) {
      GgufWriter.write(
          TinyModels.randomWeights(config, TINY_SEED, false),
          TinyModels.vocabulary(config.vocabSize()),
          TensorType.Q8_0,
          o);
    }
    return file;
  }

  /**
   * Loads {@code model}; a llama2.c checkpoint takes its vocabulary from {@code tokenizer}, or from
   * {@code tokenizer.bin} beside it when {@code tokenizer} is null. A GGUF file's Q8_0, Q4_0, Q5_0
   * and K-quant (Q4_K, Q5_K, Q6_K) matrices are widened onto the heap if they take at most half of
   * what it has free, else held as views of the mapping ({@link #loadGguf}).
   *
   * @throws ModelFormatException if a file is not a model this runtime reads
   * @throws IOException if a file cannot be read
   */
  public static Model load(Path model, Path tokenizer) throws IOException {
    MappedByteSource source = map(model);
    byte[] magic = new byte[4];
    if (source.size() >= 4) {
      source.read(0, magic, 0, 4);
    }
    if (LittleEndian.getInt(magic, 0) == GgufReader.MAGIC) {
      // Widened onto the heap while they take at most half of what it has free.
      Runtime rt = Runtime.getRuntime();
      long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
      return GgufModels.load(GgufReader.read(source), free / 2, NativeKernels.types());
    }
    Path tok = tokenizer != null ? tokenizer : siblingTokenizer(model);
    if (!Files.isRegularFile(tok)) {
      throw new ModelFormatException(
          model + " is not GGUF, and its llama2.c tokenizer " + tok + " does not exist");
    }
    return Llama2cModels.load(source, map(tok), NativeKernels.types());
  }

  /**
   * Loads the GGUF file {@code model} with its Q8_0, Q4_0, Q5_0 and K-quant matrices widened onto
   * the heap only if they take at most {@code widenBudget} bytes so ({@link
   * GgufModels#load(GgufFile, long)}); 0 keeps every quantized matrix a view of the mapping.
   *
   * @throws ModelFormatException if the file is not a GGUF model this runtime reads
   * @throws IOException if the file cannot be read
   */
  public static Model loadGguf(Path model, long widenBudget) throws IOException {
    return GgufModels.load(GgufReader.read(map(model)), widenBudget, NativeKernels.types());
  }

  private static Path siblingTokenizer(Path model) {
    Path dir = model.toAbsolutePath().getParent();
    return dir.resolve("tokenizer.bin");
  }

  private static MappedByteSource map(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return new MappedByteSource(ch);
    }
  }
}
