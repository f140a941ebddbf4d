package dev.wasmgrid.llm.gguf;

import dev.wasmgrid.llm.AttentionExtras;
import dev.wasmgrid.llm.FloatWeights;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.Quantizer;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.Vocabulary;
import dev.wasmgrid.llm.io.LeOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a GGUF v3 file of the weights' architecture ({@code llama}, {@code qwen2}, {@code qwen3}):
 * matrices in the chosen type, norms, biases and rope factors in F32, a SentencePiece vocabulary in
 * {@code tokenizer.ggml.*} and its chat template, if any, in {@code tokenizer.chat_template}. Made
 * for test models; what it writes is what llama.cpp's converter writes for these keys and tensor
 * names.
 */
public final class GgufWriter {

  private static final int TYPE_U32 = 4;
  private static final int TYPE_I32 = 5;
  private static final int TYPE_F32 = 6;
  private static final int TYPE_STRING = 8;
  private static final int TYPE_ARRAY = 9;

  private GgufWriter() {}

  /** One tensor to write; a class, not a record, because it holds an array. */
  private static final class Tensor {
    final String name;
    final int rows;
    final int cols;
    final TensorType type;
    final float[] data;

    Tensor(String name, int rows, int cols, TensorType type, float[] data) {
      this.name = name;
      this.rows = rows;
      this.cols = cols;
      this.type = type;
      this.data = data;
    }

    long bytes() {
      return type.bytesFor((long) rows * cols);
    }
  }

  /** Writes {@code weights} with matrices as {@code dtype} and {@code vocab} to {@code out}. */
  public static void write(
      FloatWeights weights, Vocabulary vocab, TensorType dtype, OutputStream out)
      throws IOException {
    if (!dtype.writable()) {
      throw new IllegalArgumentException("cannot write tensors as " + dtype);
    }
    LlamaConfig c = weights.config();
    List<Tensor> tensors = new ArrayList<>();
    int dim = c.dim();
    AttentionExtras extras = weights.attention();
    if (extras.ropeFreqs() != null) {
      tensors.add(
          new Tensor(
              "rope_freqs.weight",
              1,
              extras.ropeFreqs().length,
              TensorType.F32,
              extras.ropeFreqs()));
    }
    tensors.add(
        new Tensor("token_embd.weight", c.vocabSize(), dim, dtype, weights.tokenEmbedding()));
    for (int l = 0; l < c.layers(); l++) {
      String p = "blk." + l + ".";
      tensors.add(new Tensor(p + "attn_norm.weight", 1, dim, TensorType.F32, weights.rmsAtt()[l]));
      tensors.add(new Tensor(p + "attn_q.weight", c.qDim(), dim, dtype, weights.wq()[l]));
      tensors.add(new Tensor(p + "attn_k.weight", c.kvDim(), dim, dtype, weights.wk()[l]));
      tensors.add(new Tensor(p + "attn_v.weight", c.kvDim(), dim, dtype, weights.wv()[l]));
      attentionExtras(tensors, extras, p, l);
      tensors.add(new Tensor(p + "attn_output.weight", dim, c.qDim(), dtype, weights.wo()[l]));
      tensors.add(new Tensor(p + "ffn_norm.weight", 1, dim, TensorType.F32, weights.rmsFfn()[l]));
      tensors.add(new Tensor(p + "ffn_gate.weight", c.hiddenDim(), dim, dtype, weights.w1()[l]));
      tensors.add(new Tensor(p + "ffn_down.weight", dim, c.hiddenDim(), dtype, weights.w2()[l]));
      tensors.add(new Tensor(p + "ffn_up.weight", c.hiddenDim(), dim, dtype, weights.w3()[l]));
    }
    tensors.add(new Tensor("output_norm.weight", 1, dim, TensorType.F32, weights.rmsFinal()));
    if (weights.classifier() != null) {
      tensors.add(new Tensor("output.weight", c.vocabSize(), dim, dtype, weights.classifier()));
    }

    LeOutput o = new LeOutput(out);
    o.i32(GgufReader.MAGIC);
    o.i32(3);
    o.i64(tensors.size());
    int eot = endOfTurn(vocab);
    // Heads wider than dim / heads need their width said (Qwen3 writes it always).
    boolean headWidth = c.qDim() != dim;
    String template = vocab.chatTemplate();
    o.i64(18 + (eot < 0 ? 0 : 1) + (headWidth ? 2 : 0) + (template == null ? 0 : 1));
    String a = c.architecture().ggufName() + ".";
    kvString(o, "general.architecture", c.architecture().ggufName());
    kvString(o, "general.name", "wasmgrid-tiny");
    kvU32(o, "general.alignment", GgufReader.DEFAULT_ALIGNMENT);
    kvU32(o, a + "context_length", c.seqLen());
    kvU32(o, a + "embedding_length", dim);
    kvU32(o, a + "block_count", c.layers());
    kvU32(o, a + "feed_forward_length", c.hiddenDim());
    kvU32(o, a + "attention.head_count", c.heads());
    kvU32(o, a + "attention.head_count_kv", c.kvHeads());
    if (headWidth) {
      kvU32(o, a + "attention.key_length", c.headSize());
      kvU32(o, a + "attention.value_length", c.headSize());
    }
    kvU32(o, a + "rope.dimension_count", c.headSize());
    kvF32(o, a + "attention.layer_norm_rms_epsilon", c.rmsEps());
    kvF32(o, a + "rope.freq_base", c.ropeTheta());
    kvString(o, "tokenizer.ggml.model", "llama");
    o.string("tokenizer.ggml.tokens");
    o.i32(TYPE_ARRAY);
    o.i32(TYPE_STRING);
    o.i64(vocab.size());
    for (String t : vocab.tokens()) {
      o.string(t.replace(" ", GgufModels.SPACE_MARK));
    }
    o.string("tokenizer.ggml.scores");
    o.i32(TYPE_ARRAY);
    o.i32(TYPE_F32);
    o.i64(vocab.size());
    for (int i = 0; i < vocab.size(); i++) {
      o.f32(vocab.score(i));
    }
    o.string("tokenizer.ggml.token_type");
    o.i32(TYPE_ARRAY);
    o.i32(TYPE_I32);
    o.i64(vocab.size());
    for (int i = 0; i < vocab.size(); i++) {
      o.i32(vocab.type(i));
    }
    kvU32(o, "tokenizer.ggml.bos_token_id", vocab.bos());
    kvU32(o, "tokenizer.ggml.eos_token_id", vocab.eos());
    if (eot >= 0) {
      kvU32(o, "tokenizer.ggml.eot_token_id", eot);
    }
    if (template != null) {
      kvString(o, "tokenizer.chat_template", template);
    }

    long offset = 0;
    for (Tensor t : tensors) {
      o.string(t.name);
      if (t.rows == 1) {
        o.i32(1);
        o.i64(t.cols);
      } else {
        o.i32(2);
        o.i64(t.cols);
        o.i64(t.rows);
      }
      o.i32(t.type.ggmlId());
      o.i64(offset);
      offset = align(offset + t.bytes());
    }
    for (Tensor t : tensors) {
      // Each tensor starts aligned; the file ends right after the last one.
      o.pad(GgufReader.DEFAULT_ALIGNMENT);
      data(o, t);
    }
    out.flush();
  }

  /** Biases and head norms of layer {@code l}, where the weights have them. */
  private static void attentionExtras(
      List<Tensor> tensors, AttentionExtras extras, String prefix, int l) {
    if (extras.hasBiases()) {
      vector(tensors, prefix + "attn_q.bias", extras.qBias().get(l));
      vector(tensors, prefix + "attn_k.bias", extras.kBias().get(l));
      vector(tensors, prefix + "attn_v.bias", extras.vBias().get(l));
    }
    if (extras.hasHeadNorms()) {
      vector(tensors, prefix + "attn_q_norm.weight", extras.qNorm().get(l));
      vector(tensors, prefix + "attn_k_norm.weight", extras.kNorm().get(l));
    }
  }

  private static void vector(List<Tensor> tensors, String name, float[] v) {
    tensors.add(new Tensor(name, 1, v.length, TensorType.F32, v));
  }

  /** The stop id besides EOS, which GGUF holds as the end-of-turn id; -1 if none. */
  private static int endOfTurn(Vocabulary vocab) {
    int[] other = Arrays.stream(vocab.stops()).filter(id -> id != vocab.eos()).toArray();
    if (other.length > 1) {
      throw new IllegalArgumentException(
          "GGUF holds one stop id besides EOS; the vocabulary has " + Arrays.toString(other));
    }
    return other.length == 1 ? other[0] : -1;
  }

  private static long align(long n) {
    int a = GgufReader.DEFAULT_ALIGNMENT;
    return (n + a - 1) / a * a;
  }

  private static void data(LeOutput o, Tensor t) throws IOException {
    switch (t.type) {
      case F32 -> o.floats(t.data);
      case F16 -> {
        for (float v : t.data) {
          o.i16(Float.floatToFloat16(v));
        }
      }
      case Q8_0, Q4_0 -> blocks(o, t);
      default -> throw new IllegalArgumentException("cannot write tensors as " + t.type);
    }
  }

  private static void blocks(LeOutput o, Tensor t) throws IOException {
    Q8Matrix q =
        t.type == TensorType.Q8_0
            ? Quantizer.q8(t.data, t.rows, t.cols)
            : Quantizer.q4(t.data, t.rows, t.cols);
    byte[] block = new byte[t.type.blockBytes()];
    int group = Q8Matrix.GROUP;
    for (int g = 0; g < q.scales().length; g++) {
      short d = Float.floatToFloat16(q.scales()[g]);
      block[0] = (byte) d;
      block[1] = (byte) (d >>> 8);
      int base = g * group;
      if (t.type == TensorType.Q8_0) {
        System.arraycopy(q.quants(), base, block, 2, group);
      } else {
        for (int j = 0; j < group / 2; j++) {
          int lo = q.quants()[base + j] + 8;
          int hi = q.quants()[base + j + group / 2] + 8;
          block[2 + j] = (byte) (lo | hi << 4);
        }
      }
      o.bytes(block, block.length);
    }
  }

  private static void kvString(LeOutput o, String key, String value) throws IOException {
    o.string(key);
    o.i32(TYPE_STRING);
    o.string(value);
  }

  private static void kvU32(LeOutput o, String key, int value) throws IOException {
    o.string(key);
    o.i32(TYPE_U32);
    o.i32(value);
  }

  private static void kvF32(LeOutput o, String key, float value) throws IOException {
    o.string(key);
    o.i32(TYPE_F32);
    o.f32(value);
  }
}
