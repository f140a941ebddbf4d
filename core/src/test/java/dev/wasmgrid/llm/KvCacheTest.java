package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wasmgrid.llm.jvm.VectorCompute;
import org.junit.jupiter.api.Test;

/** Caches of the two kinds: float arrays, and a compute's own store (F16 off the heap). */
class KvCacheTest {

  /**
   * A prompt cache may be shared by models on two computes: a prefix copied from floats into halves
   * is rounded as Java rounds floats to halves, and copied back, it is those halves.
   */
  @Test
  void aPrefixCopiesAcrossTheTwoKinds() {
    FloatWeights w = TestModels.weights();
    LlamaConfig c = w.config();
    LlamaWeights weights = w.encode(TensorType.F32);
    try (VectorCompute half = new VectorCompute(1, TensorType.F16)) {
      assumeTrue(half.kvStore(c) != null, "F16 caches need the native kernels");
      Transformer floats = new Transformer(c, weights, new ScalarCompute());
      KvCache f = floats.newCache();
      int[] tokens = {1, 300, 45, 99, 7};
      for (int pos = 0; pos < tokens.length; pos++) {
        floats.forward(f, tokens[pos], pos);
      }
      KvCache h = new Transformer(c, weights, half).newCache();
      h.copyPrefix(f, tokens.length);
      KvCache back = floats.newCache();
      back.copyPrefix(h, tokens.length);
      assertThat(h.bytes(tokens.length)).isEqualTo(f.bytes(tokens.length) / 2);
      int n = tokens.length * c.kvDim();
      float[] a = new float[n];
      float[] b = new float[n];
      float[] d = new float[n];
      for (int l = 0; l < c.layers(); l++) {
        for (boolean values : new boolean[] {false, true}) {
          f.read(l, values, a, n);
          h.read(l, values, b, n);
          back.read(l, values, d, n);
          for (int i = 0; i < n; i++) {
            assertThat(b[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(a[i])));
          }
          assertThat(d).containsExactly(b);
          assertThat(a).isNotEqualTo(b);
        }
      }
    }
  }
}
