package dev.wasmgrid.llm.gguf;

import dev.wasmgrid.llm.Architecture;
import dev.wasmgrid.llm.AttentionExtras;
import dev.wasmgrid.llm.F32Matrix;
import dev.wasmgrid.llm.Half;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.LlamaWeights;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.ModelFormatException;
import dev.wasmgrid.llm.PackedMatrix;
import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.Vocabulary;
import dev.wasmgrid.llm.WeightMatrix;
import dev.wasmgrid.llm.io.ByteSource;
import dev.wasmgrid.llm.quant.BlockCodecs;
import dev.wasmgrid.llm.quant.ByteWidening;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Builds a {@link Model} from a parsed GGUF file of a supported {@code general.architecture}
 * ({@code llama}, {@code qwen2}, {@code qwen3}): hyper-parameters from the keys it prefixes ({@link
 * GgufConfigs}), the vocabulary from {@code tokenizer.ggml.*} ({@link GgufVocabularies}), weights
 * from the standard tensor names ({@code token_embd}, {@code blk.N.attn_q}, ..., {@code output}).
 */
public final class GgufModels {

  /** How the file's SentencePiece vocabulary writes a space. */
  static final String SPACE_MARK = "\u2581";

  private static final int INT_MAX = Integer.MAX_VALUE;

  private GgufModels() {}

  /** Parses and loads {@code source}. */
  public static Model load(ByteSource source) {
    return load(GgufReader.read(source));
  }

  /**
   * Loads the model in {@code file}, its Q8_0 and Q4_0 matrices widened whatever their size, and
   * from a mapped file Q5_0, Q4_1, Q5_1, the K-quants, IQ4_NL and IQ4_XS too (the JVM's loader of
   * mapped files, {@code ModelFiles}, passes a budget instead).
   *
   * @throws ModelFormatException naming the key or tensor that is missing or wrong
   */
  public static Model load(GgufFile file) {
    return load(file, Long.MAX_VALUE);
  }

  /**
   * Loads the model in {@code file}, its Q8_0, Q4_0, Q5_0, Q4_1, Q5_1, K-quant, IQ4_NL and IQ4_XS
   * matrices widened to a byte per weight and a float scale per group (and an offset for Q4_1,
   * Q5_1, Q2_K, Q4_K and Q5_K: 9/8 to 12/8 bytes a weight, {@link #widenedBytes}) if that takes at
   * most {@code widenBudget} bytes, else from a mapped file held as views of the mapping. Widened,
   * stories-sized files decode 1.7 to 2 times as fast as from the packed blocks, each weight
   * exactly the file's. Q8_0 and Q4_0 of an array-backed file (the browser's) are always widened,
   * its other types never.
   *
   * @throws ModelFormatException naming the key or tensor that is missing or wrong
   */
  public static Model load(GgufFile file, long widenBudget) {
    return load(file, widenBudget, Set.of());
  }

  /**
   * {@link #load(GgufFile, long)}, but a mapped file's matrices of the types in {@code packed} are
   * held as views of the mapping whatever the budget: those the JVM's native kernels read as the
   * file stores them.
   *
   * @throws ModelFormatException naming the key or tensor that is missing or wrong
   */
  public static Model load(GgufFile file, long widenBudget, Set<TensorType> packed) {
    // The architecture first: a file of another one is refused before its vocabulary is read.
    Architecture.fromGguf(file.string("general.architecture", ""));
    Vocabulary vocab = GgufVocabularies.read(file);
    LlamaConfig config = GgufConfigs.read(file, vocab.size());
    Tensors t = new Tensors(file, widenedBytes(file, packed) <= widenBudget, packed);
    int dim = config.dim();
    int qDim = config.qDim();
    int kv = config.kvDim();
    int hidden = config.hiddenDim();
    List<float[]> rmsAtt = new ArrayList<>();
    List<float[]> rmsFfn = new ArrayList<>();
    List<WeightMatrix> wq = new ArrayList<>();
    List<WeightMatrix> wk = new ArrayList<>();
    List<WeightMatrix> wv = new ArrayList<>();
    List<WeightMatrix> wo = new ArrayList<>();
    List<WeightMatrix> w1 = new ArrayList<>();
    List<WeightMatrix> w2 = new ArrayList<>();
    List<WeightMatrix> w3 = new ArrayList<>();
    for (int l = 0; l < config.layers(); l++) {
      String p = "blk." + l + ".";
      rmsAtt.add(t.vector(p + "attn_norm.weight", dim));
      wq.add(t.matrix(p + "attn_q.weight", qDim, dim));
      wk.add(t.matrix(p + "attn_k.weight", kv, dim));
      wv.add(t.matrix(p + "attn_v.weight", kv, dim));
      wo.add(t.matrix(p + "attn_output.weight", dim, qDim));
      rmsFfn.add(t.vector(p + "ffn_norm.weight", dim));
      w1.add(t.matrix(p + "ffn_gate.weight", hidden, dim));
      w2.add(t.matrix(p + "ffn_down.weight", dim, hidden));
      w3.add(t.matrix(p + "ffn_up.weight", hidden, dim));
    }
    WeightMatrix embedding = t.matrix("token_embd.weight", vocab.size(), dim);
    WeightMatrix classifier =
        file.tensors().containsKey("output.weight")
            ? t.matrix("output.weight", vocab.size(), dim)
            : embedding;
    LlamaWeights weights =
        new LlamaWeights(
            embedding,
            rmsAtt,
            wq,
            wk,
            wv,
            wo,
            rmsFfn,
            w1,
            w2,
            w3,
            t.vector("output_norm.weight", dim),
            classifier,
            attentionExtras(file, t, config));
    return new Model(
        config, weights, vocab, "gguf", file.tensors().get("blk.0.attn_q.weight").type());
  }

  /**
   * The architecture's additions to the attention: q/k/v biases ({@code blk.N.attn_q.bias}, ...;
   * Qwen2's, optional for Llama), head norms ({@code blk.N.attn_q_norm.weight}, ...; Qwen3's), and
   * the rotary frequency factors of Llama 3's scaling ({@code rope_freqs.weight}) times a linear
   * scaling's factor.
   */
  private static AttentionExtras attentionExtras(GgufFile file, Tensors t, LlamaConfig c) {
    Architecture arch = c.architecture();
    boolean biases = arch.attentionBiases() || file.tensors().containsKey("blk.0.attn_q.bias");
    List<float[]> qBias = new ArrayList<>();
    List<float[]> kBias = new ArrayList<>();
    List<float[]> vBias = new ArrayList<>();
    List<float[]> qNorm = new ArrayList<>();
    List<float[]> kNorm = new ArrayList<>();
    for (int l = 0; l < c.layers() && (biases || arch.headNorms()); l++) {
      String p = "blk." + l + ".";
      if (biases) {
        qBias.add(t.vector(p + "attn_q.bias", c.qDim()));
        kBias.add(t.vector(p + "attn_k.bias", c.kvDim()));
        vBias.add(t.vector(p + "attn_v.bias", c.kvDim()));
      }
      if (arch.headNorms()) {
        qNorm.add(t.vector(p + "attn_q_norm.weight", c.headSize()));
        kNorm.add(t.vector(p + "attn_k_norm.weight", c.headSize()));
      }
    }
    float[] factors = null;
    if (arch == Architecture.LLAMA && file.tensors().containsKey("rope_freqs.weight")) {
      factors = t.vector("rope_freqs.weight", c.headSize() / 2);
    }
    float linear = GgufConfigs.ropeScale(file, arch.ggufName() + ".");
    if (linear != 1) {
      if (factors == null) {
        factors = new float[c.headSize() / 2];
        java.util.Arrays.fill(factors, 1f);
      }
      for (int i = 0; i < factors.length; i++) {
        factors[i] *= linear;
      }
    }
    return new AttentionExtras(qBias, kBias, vBias, qNorm, kNorm, factors);
  }

  /**
   * Heap bytes the file's Q8_0, Q4_0 and Q5_0 tensors take widened (a byte and a float scale per 32
   * weights), its Q4_1, Q5_1, Q4_K, Q5_K (a byte, a scale and an offset per 32), Q6_K and Q3_K (a
   * byte and a scale per 16), Q2_K (and an offset per 16), IQ4_NL and IQ4_XS tensors (a byte and a
   * scale per 32).
   */
  static long widenedBytes(GgufFile file, Set<TensorType> packed) {
    long bytes = 0;
    for (GgufTensor t : file.tensors().values()) {
      if (ByteWidening.handles(t.type()) && !packed.contains(t.type())) {
        bytes += ByteWidening.bytes(t.type(), t.elements());
      }
    }
    return bytes;
  }

  /**
   * Decodes tensors by name, checking their shapes.
   *
   * @param widen whether the tensors {@link #widenedBytes} counts are widened onto the heap rather
   *     than held as views of the mapping (Q8_0 and Q4_0 of an array-backed file always are)
   * @param packed types a mapped file's matrices keep as views whatever {@code widen} says
   */
  private record Tensors(GgufFile file, boolean widen, Set<TensorType> packed) {

    GgufTensor find(String name) {
      GgufTensor t = file.tensors().get(name);
      if (t == null) {
        throw new ModelFormatException("GGUF: tensor " + name + " is missing");
      }
      return t;
    }

    float[] vector(String name, int n) {
      GgufTensor t = find(name);
      if (t.elements() != n) {
        throw new ModelFormatException(
            "GGUF: tensor " + name + " has " + t.elements() + " elements, expected " + n);
      }
      return switch (t.type()) {
        case F32, F16, BF16 -> floats(t, n);
        default -> {
          // Norm weights are few: any type is decoded to floats here.
          float[] out = new float[n];
          held(t, 1, n).row(0, out);
          yield out;
        }
      };
    }

    WeightMatrix matrix(String name, int rows, int cols) {
      GgufTensor t = find(name);
      if (t.dims().size() != 2 || t.dims().get(0) != cols || t.dims().get(1) != rows) {
        throw new ModelFormatException(
            "GGUF: tensor "
                + name
                + " has dims "
                + t.dims()
                + ", expected ["
                + cols
                + ", "
                + rows
                + "]");
      }
      long n = (long) rows * cols;
      if (n > INT_MAX - 8) {
        throw new ModelFormatException("GGUF: tensor " + name + " is too large for one array");
      }
      return held(t, rows, cols);
    }

    /**
     * The tensor as the runtime holds its type: F32, F16 and BF16 as floats (from a mapped file,
     * F32 a view where the JVM's native kernels take it, as the quantized types); Q8_0 and Q4_0
     * widened to a byte per weight and a group scale (the form the WebGPU path uploads, and the
     * fastest to dot) from an array; from a mapped file those and Q5_0, Q4_1, Q5_1, the K-quants,
     * IQ4_NL and IQ4_XS widened likewise where they fit the budget of {@link #load(GgufFile,
     * long)}; every other type packed as the file stores it, a view of the mapping (so the file's
     * blocks are never copied).
     */
    private WeightMatrix held(GgufTensor t, int rows, int cols) {
      boolean mapped = file.source().mapped();
      if (mapped && packed.contains(t.type())) {
        return view(t, rows, cols);
      }
      return switch (t.type()) {
        case F32, F16, BF16 -> new F32Matrix(rows, cols, floats(t, rows * cols));
        // An array's Q8_0 and Q4_0 always: the form the WebGPU path uploads.
        case Q8_0, Q4_0 -> !mapped || widen ? byteWidened(t, rows, cols) : view(t, rows, cols);
        case Q5_0, Q4_1, Q5_1, Q4_K, Q5_K, Q6_K, Q2_K, Q3_K, IQ4_NL, IQ4_XS ->
            mapped && widen ? byteWidened(t, rows, cols) : view(t, rows, cols);
        default -> view(t, rows, cols);
      };
    }

    private PackedMatrix view(GgufTensor t, int rows, int cols) {
      return new PackedMatrix(
          rows, cols, file.source(), t.offset(), t.bytes(), BlockCodecs.of(t.type()));
    }

    private float[] floats(GgufTensor t, int n) {
      float[] out = new float[n];
      ByteSource src = file.source();
      if (t.type() == TensorType.F32) {
        src.readFloats(t.offset(), out, 0, n);
        return out;
      }
      byte[] chunk = new byte[2 * Math.min(n, 1 << 16)];
      for (int done = 0; done < n; ) {
        int count = Math.min(n - done, chunk.length / 2);
        src.read(t.offset() + 2L * done, chunk, 0, 2 * count);
        for (int i = 0; i < count; i++) {
          int bits = (chunk[2 * i] & 0xff) | chunk[2 * i + 1] << 8;
          // BF16 is a float's top half: exact.
          out[done + i] =
              t.type() == TensorType.BF16
                  ? Float.intBitsToFloat(bits << 16)
                  : Half.toFloat((short) bits);
        }
        done += count;
      }
      return out;
    }

    /** A tensor as bytes with a scale (and an offset) per group ({@link ByteWidening}). */
    private Q8Matrix byteWidened(GgufTensor t, int rows, int cols) {
      TensorType type = t.type();
      int n = rows * cols;
      int blocks = n / type.blockSize();
      int group = ByteWidening.group(type);
      byte[] quants = new byte[n];
      float[] scales = new float[n / group];
      float[] offsets = ByteWidening.hasOffsets(type) ? new float[scales.length] : null;
      int blockBytes = type.blockBytes();
      int perBlock = type.blockSize() / group;
      byte[] chunk = new byte[blockBytes * Math.min(blocks, 1024)];
      for (int done = 0; done < blocks; ) {
        int count = Math.min(blocks - done, chunk.length / blockBytes);
        file.source().read(t.offset() + (long) blockBytes * done, chunk, 0, blockBytes * count);
        ByteWidening.widen(
            type,
            chunk,
            0,
            count,
            quants,
            done * type.blockSize(),
            scales,
            offsets,
            done * perBlock);
        done += count;
      }
      return new Q8Matrix(rows, cols, group, quants, scales, offsets);
    }
  }
}
