package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wasmgrid.llm.jvm.VectorCompute;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Both compute paths against {@link ReferenceForward} over the first positions of a sequence. */
class ForwardPassTest {

  /**
   * Float sums in another order than the double reference: logits of order 1-10 differ by some 1e-5
   * relative; 1e-3 absolute leaves room without hiding a wrong term (which moves logits by ~0.1 or
   * more).
   */
  private static final double TOLERANCE = 1e-3;

  /**
   * F16 keys and values: each rounded by up to 2^-11 of itself, which moved these logits by up to
   * 1.1e-3 (F32 weights) and 1.3e-3 (Q8_0); 5e-3 still catches a wrong term.
   */
  private static final double HALF_TOLERANCE = 5e-3;

  @ParameterizedTest
  @EnumSource(
      value = TensorType.class,
      names = {"F32", "F16", "Q8_0", "Q4_0"}) // the types FloatWeights.encode makes
  void scalarAndVectorMatchTheReference(TensorType dtype) {
    FloatWeights w = TestModels.weights();
    LlamaConfig c = w.config();
    LlamaWeights weights = w.encode(dtype);
    ReferenceForward reference = new ReferenceForward(c, weights);
    Transformer scalar = new Transformer(c, weights, new ScalarCompute());
    try (VectorCompute vector = new VectorCompute(2, TensorType.F32)) {
      Transformer fast = new Transformer(c, weights, vector);
      int[] tokens = {1, 300, 45, 99, 7, 410, 12, 300, 3, 250};
      for (int pos = 0; pos < tokens.length; pos++) {
        double[] expected = reference.forward(tokens[pos], pos);
        float[] a = scalar.forward(tokens[pos], pos).clone();
        float[] b = fast.forward(tokens[pos], pos);
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
          assertThat((double) a[i])
              .as("scalar pos %d logit %d", pos, i)
              .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(TOLERANCE));
          assertThat((double) b[i])
              .as("vector pos %d logit %d", pos, i)
              .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(TOLERANCE));
          scale = Math.max(scale, Math.abs(expected[i]));
        }
        // Logits this small would make the comparison meaningless.
        assertThat(scale).isGreaterThan(0.5);
      }
    }
  }

  /** The fast path with its KV caches in F16 (the native kernels' attention), against the same. */
  @ParameterizedTest
  @EnumSource(
      value = TensorType.class,
      names = {"F32", "Q8_0"})
  void halfKeysAndValuesStayWithinTheirRoundingOfTheReference(TensorType dtype) {
    FloatWeights w = TestModels.weights();
    LlamaConfig c = w.config();
    LlamaWeights weights = w.encode(dtype);
    ReferenceForward reference = new ReferenceForward(c, weights);
    try (VectorCompute vector = new VectorCompute(2, TensorType.F16)) {
      assumeTrue(vector.kvStore(c) != null, "F16 caches need the native kernels");
      Transformer fast = new Transformer(c, weights, vector);
      int[] tokens = {1, 300, 45, 99, 7, 410, 12, 300, 3, 250};
      double worst = 0;
      for (int pos = 0; pos < tokens.length; pos++) {
        double[] expected = reference.forward(tokens[pos], pos);
        float[] b = fast.forward(tokens[pos], pos);
        for (int i = 0; i < expected.length; i++) {
          worst = Math.max(worst, Math.abs(b[i] - expected[i]));
        }
      }
      assertThat(worst).isLessThan(HALF_TOLERANCE);
    }
  }
}
