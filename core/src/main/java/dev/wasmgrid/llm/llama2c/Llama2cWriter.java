package dev.wasmgrid.llm.llama2c;

import dev.wasmgrid.llm.FloatWeights;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.Quantizer;
import dev.wasmgrid.llm.io.LeOutput;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes llama2.c checkpoints: version 0 (the legacy f32 layout run.c reads) or version 2 (Q8_0,
 * group size 32, as runq.c reads), from the same weights the GGUF writer takes.
 */
public final class Llama2cWriter {

  private Llama2cWriter() {}

  /** The legacy f32 checkpoint. */
  public static void writeLegacy(FloatWeights w, OutputStream out) throws IOException {
    LlamaConfig c = w.config();
    LeOutput o = new LeOutput(out);
    header(o, c, w.classifier() == null ? c.vocabSize() : -c.vocabSize());
    o.floats(w.tokenEmbedding());
    all(o, w.rmsAtt());
    all(o, w.wq());
    all(o, w.wk());
    all(o, w.wv());
    all(o, w.wo());
    all(o, w.rmsFfn());
    all(o, w.w1());
    all(o, w.w2());
    all(o, w.w3());
    o.floats(w.rmsFinal());
    int half = c.headSize() / 2;
    float[] cos = new float[c.seqLen() * half];
    float[] sin = new float[c.seqLen() * half];
    for (int pos = 0; pos < c.seqLen(); pos++) {
      for (int i = 0; i < half; i++) {
        double angle = pos / Math.pow(c.ropeTheta(), 2.0 * i / c.headSize());
        cos[pos * half + i] = (float) Math.cos(angle);
        sin[pos * half + i] = (float) Math.sin(angle);
      }
    }
    o.floats(cos);
    o.floats(sin);
    if (w.classifier() != null) {
      o.floats(w.classifier());
    }
    out.flush();
  }

  /** The version 2 checkpoint: norms in f32, matrices in Q8_0 with group size 32. */
  public static void writeQ8(FloatWeights w, OutputStream out) throws IOException {
    LlamaConfig c = w.config();
    LeOutput o = new LeOutput(out);
    o.i32(Llama2cModels.MAGIC);
    o.i32(2);
    header(o, c, c.vocabSize());
    o.u8(w.classifier() == null ? 1 : 0);
    o.i32(Q8Matrix.GROUP);
    o.pad(Llama2cModels.HEADER_BYTES);
    all(o, w.rmsAtt());
    all(o, w.rmsFfn());
    o.floats(w.rmsFinal());
    q8(o, w.tokenEmbedding());
    allQ8(o, w.wq());
    allQ8(o, w.wk());
    allQ8(o, w.wv());
    allQ8(o, w.wo());
    allQ8(o, w.w1());
    allQ8(o, w.w2());
    allQ8(o, w.w3());
    if (w.classifier() != null) {
      q8(o, w.classifier());
    }
    out.flush();
  }

  private static void header(LeOutput o, LlamaConfig c, int vocabField) throws IOException {
    o.i32(c.dim());
    o.i32(c.hiddenDim());
    o.i32(c.layers());
    o.i32(c.heads());
    o.i32(c.kvHeads());
    o.i32(vocabField);
    o.i32(c.seqLen());
  }

  private static void all(LeOutput o, float[][] perLayer) throws IOException {
    for (float[] a : perLayer) {
      o.floats(a);
    }
  }

  private static void allQ8(LeOutput o, float[][] perLayer) throws IOException {
    for (float[] a : perLayer) {
      q8(o, a);
    }
  }

  private static void q8(LeOutput o, float[] data) throws IOException {
    Q8Matrix q = Quantizer.q8(data, 1, data.length);
    o.bytes(q.quants(), q.quants().length);
    o.floats(q.scales());
  }
}
