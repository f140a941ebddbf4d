package dev.wasmgrid.llm.gguf;

import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.PreTokenizer;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TinyModels;
import dev.wasmgrid.llm.TokenizerModel;
import dev.wasmgrid.llm.Vocabulary;
import dev.wasmgrid.llm.gguf.GgufWriter.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * GGUF files shaped like the models people download ({@link ModelShape}), with seeded random
 * weights: the same metadata keys, tokenizer kind and per-tensor type mix ({@link QuantMix}) as the
 * real files, a small vocabulary of the same kind (padded with {@code <extra_N>} tokens to the
 * shape's size). Tensors are made a band of rows at a time, each row from its own seed, so a file
 * of any size is written in little memory and is the same for the same seed.
 */
public final class ShapedModels {

  private static final String[] WORDS = {
    " the",
    " a",
    " and",
    " to",
    " of",
    " once",
    " upon",
    " time",
    " there",
    " was",
    " little",
    " girl",
    " boy",
    " she",
    " he",
    " it",
    " in",
    " on",
    " with",
    " her",
    " his",
    " they",
    " day",
    " dog",
    " cat",
    " happy",
    " play",
    " said",
    " big",
    " tree",
    " sun",
    " friend",
    " park",
    "ing",
    "ed",
    "er",
    "ly",
    " hello",
    " world",
    " user",
    " assistant",
    " system",
    "\n\n"
  };

  /**
   * The version of what {@link #write} produces for a given shape, mix and seed; raised whenever
   * those bytes change, so that files cached by name (the benchmark's) are never stale.
   */
  public static final int VERSION = 1;

  private ShapedModels() {}

  /**
   * Writes {@code shape} with matrices in {@code mix}, weights from {@code seed}, to {@code out}.
   */
  public static void write(ModelShape shape, QuantMix mix, long seed, OutputStream out)
      throws IOException {
    write(shape, mix, seed, null, out);
  }

  /**
   * {@link #write(ModelShape, QuantMix, long, OutputStream)} with {@code chatTemplate} (Jinja
   * source, the model's own for a real shape; null for none) in {@code tokenizer.chat_template}.
   */
  public static void write(
      ModelShape shape, QuantMix mix, long seed, String chatTemplate, OutputStream out)
      throws IOException {
    GgufWriter.write(
        shape.config(),
        vocabulary(shape).withChatTemplate(chatTemplate),
        mix.fileType(),
        tensors(shape, mix, seed),
        out);
  }

  /** The tensors of {@code shape} in llama.cpp's order, matrices typed by {@code mix}. */
  static List<Tensor> tensors(ModelShape shape, QuantMix mix, long seed) {
    LlamaConfig c = shape.config();
    Maker m = new Maker(seed, mix, c.layers(), !shape.tiedEmbeddings());
    int dim = c.dim();
    List<Tensor> t = new ArrayList<>();
    if (shape.llama3Rope()) {
      float[] factors = llama3RopeFactors(c.headSize(), c.ropeTheta());
      t.add(Tensor.of("rope_freqs.weight", 1, factors.length, TensorType.F32, factors));
    }
    t.add(m.matrix("token_embd.weight", -1, c.vocabSize(), dim, 1f));
    for (int l = 0; l < c.layers(); l++) {
      String p = "blk." + l + ".";
      t.add(m.norm(p + "attn_norm.weight", dim));
      t.add(m.matrix(p + "attn_q.weight", l, c.qDim(), dim));
      t.add(m.matrix(p + "attn_k.weight", l, c.kvDim(), dim));
      t.add(m.matrix(p + "attn_v.weight", l, c.kvDim(), dim));
      if (c.architecture().attentionBiases()) {
        t.add(m.vector(p + "attn_q.bias", c.qDim(), 0f, 0.1f));
        t.add(m.vector(p + "attn_k.bias", c.kvDim(), 0f, 0.1f));
        t.add(m.vector(p + "attn_v.bias", c.kvDim(), 0f, 0.1f));
      }
      if (c.architecture().headNorms()) {
        t.add(m.norm(p + "attn_q_norm.weight", c.headSize()));
        t.add(m.norm(p + "attn_k_norm.weight", c.headSize()));
      }
      t.add(m.matrix(p + "attn_output.weight", l, dim, c.qDim()));
      t.add(m.norm(p + "ffn_norm.weight", dim));
      t.add(m.matrix(p + "ffn_gate.weight", l, c.hiddenDim(), dim));
      t.add(m.matrix(p + "ffn_down.weight", l, dim, c.hiddenDim()));
      t.add(m.matrix(p + "ffn_up.weight", l, c.hiddenDim(), dim));
    }
    t.add(m.norm("output_norm.weight", dim));
    if (!shape.tiedEmbeddings()) {
      t.add(m.matrix("output.weight", -1, c.vocabSize(), dim, 4f / (float) Math.sqrt(dim)));
    }
    return t;
  }

  /**
   * A vocabulary of the shape's kind and exactly its size: byte-level BPE (GPT-2's 256 byte
   * characters, merges that build a few dozen words, the model's special tokens) or, for a
   * SentencePiece shape, {@link TinyModels#vocabulary(int)}.
   *
   * @throws IllegalArgumentException if the shape's vocabulary is smaller than these tokens
   */
  public static Vocabulary vocabulary(ModelShape shape) {
    int size = shape.config().vocabSize();
    if (shape.pre() == null) {
      Vocabulary v = TinyModels.vocabulary(size);
      if (v.size() != size) {
        throw new IllegalArgumentException("vocabulary of " + size + " is below " + v.size());
      }
      return v;
    }
    List<String> specials =
        switch (shape.pre()) {
          case LLAMA3 ->
              List.of(
                  "<|begin_of_text|>",
                  "<|end_of_text|>",
                  "<|start_header_id|>",
                  "<|end_header_id|>",
                  "<|eot_id|>");
          default -> List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
        };
    List<String> tokens = new ArrayList<>();
    List<String> merges = new ArrayList<>();
    boolean specialsFirst = shape.pre() == PreTokenizer.SMOLLM;
    if (specialsFirst) {
      tokens.addAll(specials);
    }
    tokens.addAll(byteCharacters());
    LinkedHashSet<String> made = new LinkedHashSet<>(tokens);
    for (String w : WORDS) {
      String chars = byteLevel(w);
      for (int end = 2; end <= chars.length(); end++) {
        String token = chars.substring(0, end);
        if (made.add(token)) {
          tokens.add(token);
          merges.add(chars.substring(0, end - 1) + " " + chars.charAt(end - 1));
        }
      }
    }
    int fixed = tokens.size() + (specialsFirst ? 0 : specials.size());
    if (fixed > size) {
      throw new IllegalArgumentException("vocabulary of " + size + " is below " + fixed);
    }
    for (int i = fixed; i < size; i++) {
      tokens.add("<extra_" + i + ">");
    }
    if (!specialsFirst) {
      tokens.addAll(specials);
    }
    int[] types = new int[size];
    java.util.Arrays.fill(types, Vocabulary.NORMAL);
    for (String s : specials) {
      types[tokens.indexOf(s)] = Vocabulary.CONTROL;
    }
    boolean llama3 = shape.pre() == PreTokenizer.LLAMA3;
    int bos =
        tokens.indexOf(
            llama3 ? "<|begin_of_text|>" : specialsFirst ? "<|im_start|>" : "<|endoftext|>");
    int eos = tokens.indexOf(llama3 ? "<|eot_id|>" : "<|im_end|>");
    return new Vocabulary(
        tokens,
        new float[size],
        types,
        bos,
        eos,
        new int[] {eos},
        new TokenizerModel.ByteLevelBpe(merges, shape.pre()),
        llama3,
        false);
  }

  /** GPT-2's characters for the bytes 0..255: printable Latin-1 as itself, the rest from U+0100. */
  private static List<String> byteCharacters() {
    List<String> out = new ArrayList<>();
    int shifted = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      out.add(String.valueOf(printable ? (char) b : (char) (256 + shifted++)));
    }
    return out;
  }

  /** {@code ascii} written in GPT-2's byte characters. */
  private static String byteLevel(String ascii) {
    List<String> chars = byteCharacters();
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < ascii.length(); i++) {
      s.append(chars.get(ascii.charAt(i)));
    }
    return s.toString();
  }

  /**
   * Llama 3.1's rope scaling (factor 32, low/high frequency factors 1 and 4, original context 8192)
   * as the divisors llama.cpp's converter writes to {@code rope_freqs.weight}.
   */
  static float[] llama3RopeFactors(int headSize, float base) {
    double factor = 32;
    double low = 1;
    double high = 4;
    double original = 8192;
    float[] out = new float[headSize / 2];
    for (int i = 0; i < out.length; i++) {
      double freq = 1 / Math.pow(base, 2.0 * i / headSize);
      double wavelength = 2 * Math.PI / freq;
      if (wavelength < original / high) {
        out[i] = 1;
      } else if (wavelength > original / low) {
        out[i] = (float) factor;
      } else {
        double smooth = (original / wavelength - low) / (high - low);
        out[i] = (float) (1 / ((1 - smooth) / factor + smooth));
      }
    }
    return out;
  }

  /** Makes each tensor's values from its own seed and picks its type from the mix. */
  private static final class Maker {
    private final long seed;
    private final QuantMix mix;
    private final int layers;
    private final boolean hasOutput;
    private int index;

    Maker(long seed, QuantMix mix, int layers, boolean hasOutput) {
      this.seed = seed;
      this.mix = mix;
      this.layers = layers;
      this.hasOutput = hasOutput;
    }

    Tensor matrix(String name, int layer, int rows, int cols) {
      return matrix(name, layer, rows, cols, 1f / (float) Math.sqrt(cols));
    }

    Tensor matrix(String name, int layer, int rows, int cols, float scale) {
      TensorType type = mix.typeOf(name, layer, layers, cols, hasOutput);
      return new Tensor(name, rows, cols, type, uniform(cols, 0f, scale));
    }

    Tensor norm(String name, int n) {
      return vector(name, n, 1f, 0.1f);
    }

    Tensor vector(String name, int n, float centre, float spread) {
      return new Tensor(name, 1, n, TensorType.F32, uniform(n, centre, spread));
    }

    /** Row r from seed (tensor seed, r): the same values however the writer bands the rows. */
    private GgufWriter.Values uniform(int cols, float centre, float spread) {
      long tensorSeed = seed * 1_000_003L + index++;
      return (from, to, dst) -> {
        for (int r = from; r < to; r++) {
          float[] row = TinyModels.uniform(tensorSeed * 65_537L + r, cols, spread);
          for (int i = 0; i < cols; i++) {
            dst[(r - from) * cols + i] = centre + row[i];
          }
        }
      };
    }
  }
}
