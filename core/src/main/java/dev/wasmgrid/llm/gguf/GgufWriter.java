package dev.wasmgrid.llm.gguf;

import dev.wasmgrid.llm.AttentionExtras;
import dev.wasmgrid.llm.FloatWeights;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.Quantizer;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TokenizerModel;
import dev.wasmgrid.llm.Vocabulary;
import dev.wasmgrid.llm.io.LeOutput;
import dev.wasmgrid.llm.quant.BlockEncoder;
import dev.wasmgrid.llm.quant.BlockEncoders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a GGUF v3 file of the weights' architecture ({@code llama}, {@code qwen2}, {@code qwen3}):
 * matrices in the chosen type or types (F32, F16, Q4_0 and what {@link BlockEncoders} encodes),
 * norms, biases and rope factors in F32, a SentencePiece or byte-level BPE vocabulary in {@code
 * tokenizer.ggml.*} and its chat template, if any, in {@code tokenizer.chat_template}. Made for
 * test models; what it writes is what llama.cpp's converter writes for these keys and tensor names.
 */
public final class GgufWriter {

  private static final int TYPE_U32 = 4;
  private static final int TYPE_I32 = 5;
  private static final int TYPE_F32 = 6;
  private static final int TYPE_BOOL = 7;
  private static final int TYPE_STRING = 8;
  private static final int TYPE_ARRAY = 9;

  private GgufWriter() {}

  /** A tensor's values, made a band of rows at a time. */
  @FunctionalInterface
  public interface Values {
    /** Writes rows {@code [from, to)}, row-major, to {@code dst[0 .. (to - from) * cols)}. */
    void rows(int from, int to, float[] dst);
  }

  /**
   * One tensor to write. Its values are made band by band as they are written, so that a file
   * larger than the heap can be written.
   *
   * @param rows 1 for a vector
   */
  public record Tensor(String name, int rows, int cols, TensorType type, Values values) {

    /** A tensor whose values are already in {@code data}, row-major. */
    public static Tensor of(String name, int rows, int cols, TensorType type, float[] data) {
      if (data.length != (long) rows * cols) {
        throw new IllegalArgumentException(
            "tensor " + name + " has " + data.length + " values, not " + rows + "x" + cols);
      }
      return new Tensor(
          name,
          rows,
          cols,
          type,
          (from, to, dst) -> System.arraycopy(data, from * cols, dst, 0, (to - from) * cols));
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
      vector(tensors, "rope_freqs.weight", extras.ropeFreqs());
    }
    tensors.add(
        Tensor.of("token_embd.weight", c.vocabSize(), dim, dtype, weights.tokenEmbedding()));
    for (int l = 0; l < c.layers(); l++) {
      String p = "blk." + l + ".";
      vector(tensors, p + "attn_norm.weight", weights.rmsAtt()[l]);
      tensors.add(Tensor.of(p + "attn_q.weight", c.qDim(), dim, dtype, weights.wq()[l]));
      tensors.add(Tensor.of(p + "attn_k.weight", c.kvDim(), dim, dtype, weights.wk()[l]));
      tensors.add(Tensor.of(p + "attn_v.weight", c.kvDim(), dim, dtype, weights.wv()[l]));
      attentionExtras(tensors, extras, p, l);
      tensors.add(Tensor.of(p + "attn_output.weight", dim, c.qDim(), dtype, weights.wo()[l]));
      vector(tensors, p + "ffn_norm.weight", weights.rmsFfn()[l]);
      tensors.add(Tensor.of(p + "ffn_gate.weight", c.hiddenDim(), dim, dtype, weights.w1()[l]));
      tensors.add(Tensor.of(p + "ffn_down.weight", dim, c.hiddenDim(), dtype, weights.w2()[l]));
      tensors.add(Tensor.of(p + "ffn_up.weight", c.hiddenDim(), dim, dtype, weights.w3()[l]));
    }
    vector(tensors, "output_norm.weight", weights.rmsFinal());
    if (weights.classifier() != null) {
      tensors.add(Tensor.of("output.weight", c.vocabSize(), dim, dtype, weights.classifier()));
    }
    write(c, vocab, fileType(dtype), tensors, out);
  }

  /**
   * Writes a model of {@code c} with {@code vocab} (SentencePiece or byte-level BPE) and {@code
   * tensors} in the order given, each in its own type; {@code fileType} is llama.cpp's {@code
   * general.file_type} (7 for Q8_0, 15 for Q4_K_M, 18 for Q6_K).
   *
   * @throws IllegalArgumentException if a tensor's type has no encoder here
   */
  public static void write(
      LlamaConfig c, Vocabulary vocab, int fileType, List<Tensor> tensors, OutputStream out)
      throws IOException {
    for (Tensor t : tensors) {
      if (t.type() != TensorType.F32
          && t.type() != TensorType.F16
          && t.type() != TensorType.Q4_0
          && BlockEncoders.of(t.type()) == null) {
        throw new IllegalArgumentException("cannot write tensor " + t.name() + " as " + t.type());
      }
    }
    Metadata m = new Metadata();
    String a = c.architecture().ggufName() + ".";
    m.string("general.architecture", c.architecture().ggufName());
    m.string("general.name", "wasmgrid-tiny");
    m.u32("general.alignment", GgufReader.DEFAULT_ALIGNMENT);
    m.u32("general.file_type", fileType);
    m.u32("general.quantization_version", 2);
    m.u32(a + "context_length", c.seqLen());
    m.u32(a + "embedding_length", c.dim());
    m.u32(a + "block_count", c.layers());
    m.u32(a + "feed_forward_length", c.hiddenDim());
    m.u32(a + "attention.head_count", c.heads());
    m.u32(a + "attention.head_count_kv", c.kvHeads());
    if (c.qDim() != c.dim()) {
      // Heads wider than dim / heads need their width said (Qwen3 writes it always).
      m.u32(a + "attention.key_length", c.headSize());
      m.u32(a + "attention.value_length", c.headSize());
    }
    m.u32(a + "rope.dimension_count", c.headSize());
    m.f32(a + "attention.layer_norm_rms_epsilon", c.rmsEps());
    m.f32(a + "rope.freq_base", c.ropeTheta());
    vocabulary(m, vocab);

    LeOutput o = new LeOutput(out);
    o.i32(GgufReader.MAGIC);
    o.i32(3);
    o.i64(tensors.size());
    o.i64(m.count);
    o.bytes(m.buffer.toByteArray(), m.buffer.size());
    long offset = 0;
    for (Tensor t : tensors) {
      o.string(t.name());
      if (t.rows() == 1) {
        o.i32(1);
        o.i64(t.cols());
      } else {
        o.i32(2);
        o.i64(t.cols());
        o.i64(t.rows());
      }
      o.i32(t.type().ggmlId());
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

  /**
   * {@code tokenizer.ggml.*}: a SentencePiece vocabulary ({@code llama}) with its scores, or a
   * byte-level BPE one ({@code gpt2}) with its merges, pre-tokenizer and add-BOS flag.
   */
  private static void vocabulary(Metadata m, Vocabulary vocab) throws IOException {
    int eot = endOfTurn(vocab);
    List<String> tokens = vocab.tokens();
    if (vocab.model() instanceof TokenizerModel.ByteLevelBpe bpe) {
      m.string("tokenizer.ggml.model", "gpt2");
      m.string("tokenizer.ggml.pre", bpe.pre().ggufName());
      m.strings("tokenizer.ggml.tokens", tokens);
      m.strings("tokenizer.ggml.merges", bpe.merges());
    } else {
      m.string("tokenizer.ggml.model", "llama");
      m.strings(
          "tokenizer.ggml.tokens",
          tokens.stream().map(t -> t.replace(" ", GgufModels.SPACE_MARK)).toList());
      m.array("tokenizer.ggml.scores", TYPE_F32, vocab.size());
      for (int i = 0; i < vocab.size(); i++) {
        m.o.f32(vocab.score(i));
      }
    }
    m.array("tokenizer.ggml.token_type", TYPE_I32, vocab.size());
    for (int i = 0; i < vocab.size(); i++) {
      m.o.i32(vocab.type(i));
    }
    m.u32("tokenizer.ggml.bos_token_id", vocab.bos());
    m.u32("tokenizer.ggml.eos_token_id", vocab.eos());
    if (eot >= 0) {
      m.u32("tokenizer.ggml.eot_token_id", eot);
    }
    if (vocab.model() instanceof TokenizerModel.ByteLevelBpe) {
      m.bool("tokenizer.ggml.add_bos_token", vocab.addBos());
    }
    if (vocab.chatTemplate() != null) {
      m.string("tokenizer.chat_template", vocab.chatTemplate());
    }
  }

  /** llama.cpp's {@code general.file_type} of a file whose matrices are all {@code dtype}. */
  private static int fileType(TensorType dtype) {
    return switch (dtype) {
      case F32 -> 0;
      case F16 -> 1;
      case Q4_0 -> 2;
      default -> 7;
    };
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
    tensors.add(Tensor.of(name, 1, v.length, TensorType.F32, v));
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

  /** The tensor's values in bands of about a million, each encoded as it is made. */
  private static void data(LeOutput o, Tensor t) throws IOException {
    int band = Math.max(1, Math.min(t.rows(), (1 << 20) / t.cols()));
    float[] data = new float[band * t.cols()];
    for (int from = 0; from < t.rows(); from += band) {
      int to = Math.min(t.rows(), from + band);
      int n = (to - from) * t.cols();
      float[] values = n == data.length ? data : new float[n];
      t.values().rows(from, to, values);
      switch (t.type()) {
        case F32 -> o.floats(values);
        case F16 -> {
          for (float v : values) {
            o.i16(Float.floatToFloat16(v));
          }
        }
        case Q4_0 -> q4Blocks(o, values, to - from, t.cols());
        default -> encoded(o, values, t.type());
      }
    }
  }

  /** The blocks of {@code encoder}'s type, a chunk of rows at a time. */
  private static void encoded(LeOutput o, float[] data, TensorType type) throws IOException {
    BlockEncoder encoder = BlockEncoders.of(type);
    int perChunk = 1024;
    byte[] chunk = new byte[perChunk * type.blockBytes()];
    int blocks = data.length / type.blockSize();
    for (int done = 0; done < blocks; done += perChunk) {
      int n = Math.min(perChunk, blocks - done);
      encoder.encode(data, done * type.blockSize(), chunk, 0, n);
      o.bytes(chunk, n * type.blockBytes());
    }
  }

  private static void q4Blocks(LeOutput o, float[] data, int rows, int cols) throws IOException {
    Q8Matrix q = Quantizer.q4(data, rows, cols);
    byte[] block = new byte[TensorType.Q4_0.blockBytes()];
    int group = Q8Matrix.GROUP;
    for (int g = 0; g < q.scales().length; g++) {
      short d = Float.floatToFloat16(q.scales()[g]);
      block[0] = (byte) d;
      block[1] = (byte) (d >>> 8);
      int base = g * group;
      for (int j = 0; j < group / 2; j++) {
        int lo = q.quants()[base + j] + 8;
        int hi = q.quants()[base + j + group / 2] + 8;
        block[2 + j] = (byte) (lo | hi << 4);
      }
      o.bytes(block, block.length);
    }
  }

  /** Key-value pairs written ahead into a buffer, so that they are counted before the header. */
  private static final class Metadata {
    final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    final LeOutput o = new LeOutput(buffer);
    int count;

    void key(String key, int type) throws IOException {
      o.string(key);
      o.i32(type);
      count++;
    }

    void string(String key, String value) throws IOException {
      key(key, TYPE_STRING);
      o.string(value);
    }

    void u32(String key, int value) throws IOException {
      key(key, TYPE_U32);
      o.i32(value);
    }

    void f32(String key, float value) throws IOException {
      key(key, TYPE_F32);
      o.f32(value);
    }

    void bool(String key, boolean value) throws IOException {
      key(key, TYPE_BOOL);
      o.u8(value ? 1 : 0);
    }

    /** An array's key, element type and length; the caller writes the elements. */
    void array(String key, int elementType, int length) throws IOException {
      key(key, TYPE_ARRAY);
      o.i32(elementType);
      o.i64(length);
    }

    void strings(String key, List<String> values) throws IOException {
      array(key, TYPE_STRING, values.size());
      for (String v : values) {
        o.string(v);
      }
    }
  }
}
