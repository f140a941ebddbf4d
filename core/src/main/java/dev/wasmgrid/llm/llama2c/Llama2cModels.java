package dev.wasmgrid.llm.llama2c;

import dev.wasmgrid.llm.F32Matrix;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.LlamaWeights;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.ModelFormatException;
import dev.wasmgrid.llm.PackedMatrix;
import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.Vocabulary;
import dev.wasmgrid.llm.WeightMatrix;
import dev.wasmgrid.llm.io.ByteCursor;
import dev.wasmgrid.llm.io.ByteSource;
import dev.wasmgrid.llm.quant.BlockCodecs;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads llama2.c checkpoints: the legacy header-only format (version 0, f32), and the "ak42"
 * formats version 1 (f32) and version 2 (Q8_0 with any group size that is a multiple of 32), with a
 * {@code tokenizer.bin} beside them. Every size is checked against the file length first.
 */
public final class Llama2cModels {

  /** "ak42" as a little-endian int. */
  public static final int MAGIC = 0x616b3432;

  static final int HEADER_BYTES = 256;
  static final int BOS = 1;
  static final int EOS = 2;

  private Llama2cModels() {}

  /**
   * Loads a checkpoint and its tokenizer.
   *
   * @throws ModelFormatException naming the field when a file is truncated, corrupt or unsupported
   */
  public static Model load(ByteSource model, ByteSource tokenizer) {
    return load(model, tokenizer, Set.of());
  }

  /**
   * {@link #load(ByteSource, ByteSource)}, but a mapped file's f32 matrices are views of the
   * mapping where {@code packed} holds F32: those the JVM's native kernels read as the file stores
   * them.
   *
   * @throws ModelFormatException naming the field when a file is truncated, corrupt or unsupported
   */
  public static Model load(ByteSource model, ByteSource tokenizer, Set<TensorType> packed) {
    ByteCursor in = new ByteCursor(model, "llama2.c");
    int first = in.i32("magic");
    int version = 0;
    if (first == MAGIC) {
      version = in.i32("version");
      if (version != 1 && version != 2) {
        throw new ModelFormatException(
            "llama2.c: version " + version + " not supported (0, 1 or 2)");
      }
    } else {
      in.seek(0);
    }
    int[] h = new int[7];
    for (int i = 0; i < 7; i++) {
      h[i] = in.i32("header field " + i);
    }
    boolean shared;
    int groupSize = 0;
    if (version == 0) {
      shared = h[5] > 0;
      h[5] = Math.abs(h[5]);
    } else {
      shared = in.u8("shared_classifier") != 0;
      if (version == 2) {
        groupSize = in.i32("group_size");
        if (groupSize < Q8Matrix.GROUP || groupSize % Q8Matrix.GROUP != 0 || groupSize > 4096) {
          throw new ModelFormatException(
              "llama2.c: group size " + groupSize + " not supported (a multiple of 32)");
        }
      }
      in.seek(HEADER_BYTES);
    }
    LlamaConfig c;
    try {
      c = LlamaConfig.of(h[0], h[1], h[2], h[3], h[4], h[5], h[6]);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException("llama2.c header: " + e.getMessage(), e);
    }
    Vocabulary vocab = TokenizerBin.read(tokenizer, c.vocabSize());
    Reader r = new Reader(in, groupSize, model.mapped() && packed.contains(TensorType.F32));
    LlamaWeights w = version == 0 ? legacy(r, c, shared) : ak42(r, c, shared);
    return new Model(c, w, vocab, "llama2c", version == 2 ? TensorType.Q8_0 : TensorType.F32);
  }

  private static LlamaWeights legacy(Reader r, LlamaConfig c, boolean shared) {
    int dim = c.dim();
    int kv = c.kvDim();
    int hid = c.hiddenDim();
    int l = c.layers();
    WeightMatrix emb = r.matrix("token_embedding_table", c.vocabSize(), dim);
    List<float[]> rmsAtt = r.vectors("rms_att_weight", l, dim);
    List<WeightMatrix> wq = r.matrices("wq", l, dim, dim);
    List<WeightMatrix> wk = r.matrices("wk", l, kv, dim);
    List<WeightMatrix> wv = r.matrices("wv", l, kv, dim);
    List<WeightMatrix> wo = r.matrices("wo", l, dim, dim);
    List<float[]> rmsFfn = r.vectors("rms_ffn_weight", l, dim);
    List<WeightMatrix> w1 = r.matrices("w1", l, hid, dim);
    List<WeightMatrix> w2 = r.matrices("w2", l, dim, hid);
    List<WeightMatrix> w3 = r.matrices("w3", l, hid, dim);
    float[] rmsFinal = r.vector("rms_final_weight", dim);
    // Precomputed RoPE tables of old checkpoints: skipped, the forward pass computes its own.
    r.skip("freq_cis", 4L * c.seqLen() * c.headSize());
    WeightMatrix cls = shared ? emb : r.matrix("wcls", c.vocabSize(), dim);
    return new LlamaWeights(emb, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal, cls);
  }

  private static LlamaWeights ak42(Reader r, LlamaConfig c, boolean shared) {
    int dim = c.dim();
    int kv = c.kvDim();
    int hid = c.hiddenDim();
    int l = c.layers();
    List<float[]> rmsAtt = r.vectors("attention_norm", l, dim);
    List<float[]> rmsFfn = r.vectors("ffn_norm", l, dim);
    float[] rmsFinal = r.vector("norm", dim);
    WeightMatrix emb = r.matrix("tok_embeddings", c.vocabSize(), dim);
    List<WeightMatrix> wq = r.matrices("wq", l, dim, dim);
    List<WeightMatrix> wk = r.matrices("wk", l, kv, dim);
    List<WeightMatrix> wv = r.matrices("wv", l, kv, dim);
    List<WeightMatrix> wo = r.matrices("wo", l, dim, dim);
    List<WeightMatrix> w1 = r.matrices("w1", l, hid, dim);
    List<WeightMatrix> w2 = r.matrices("w2", l, dim, hid);
    List<WeightMatrix> w3 = r.matrices("w3", l, hid, dim);
    WeightMatrix cls = shared ? emb : r.matrix("output", c.vocabSize(), dim);
    return new LlamaWeights(emb, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal, cls);
  }

  /**
   * Reads f32 tensors (as views of the file where {@code f32Views}), or int8 + scale tensors when
   * {@code groupSize > 0}.
   */
  private record Reader(ByteCursor in, int groupSize, boolean f32Views) {

    float[] vector(String name, int n) {
      return in.floats(n, name);
    }

    List<float[]> vectors(String name, int layers, int n) {
      List<float[]> out = new ArrayList<>();
      for (int l = 0; l < layers; l++) {
        out.add(vector(name + "[" + l + "]", n));
      }
      return out;
    }

    void skip(String name, long bytes) {
      in.need(bytes, name);
      in.seek(in.position() + bytes);
    }

    WeightMatrix matrix(String name, int rows, int cols) {
      long n = (long) rows * cols;
      in.need(groupSize > 0 ? n + 4 * (n / groupSize) : 4 * n, name);
      if (groupSize == 0 && f32Views) {
        long at = in.position();
        in.seek(at + 4 * n);
        return new PackedMatrix(rows, cols, in.source(), at, 4 * n, BlockCodecs.of(TensorType.F32));
      }
      if (groupSize == 0) {
        return new F32Matrix(rows, cols, in.floats((int) n, name));
      }
      if (cols % groupSize != 0) {
        throw new ModelFormatException(
            "llama2.c: " + name + " rows of " + cols + " do not split into groups of " + groupSize);
      }
      byte[] quants = in.bytes(n, name);
      float[] scales = in.floats((int) (n / groupSize), name + " scales");
      int per = groupSize / Q8Matrix.GROUP;
      float[] small = new float[(int) (n / Q8Matrix.GROUP)];
      for (int i = 0; i < small.length; i++) {
        small[i] = scales[i / per];
      }
      return new Q8Matrix(rows, cols, quants, small);
    }

    List<WeightMatrix> matrices(String name, int layers, int rows, int cols) {
      List<WeightMatrix> out = new ArrayList<>();
      for (int l = 0; l < layers; l++) {
        out.add(matrix(name + "[" + l + "]", rows, cols));
      }
      return out;
    }
  }
}
