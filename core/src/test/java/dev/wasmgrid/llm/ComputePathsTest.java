package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.jvm.VectorCompute;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The JVM fast path against the portable scalar path. Sums run in another order, so logits are
 * compared within 1e-4 (float rounding of sums of ~200 terms of order 1); tokens exactly, on the
 * tiny model whose classifier is scaled so the best token leads by far more than that.
 */
class ComputePathsTest {

  @ParameterizedTest
  @CsvSource({"F32,1", "F32,2", "Q8_0,1", "Q8_0,3", "Q4_0,2"})
  void fastAndScalarAgree(TensorType dtype, int threads) {
    FloatWeights w = TestModels.weights();
    Model model = new Model(w.config(), w.encode(dtype), TestModels.vocabulary(), "memory", dtype);
    Transformer scalar = new Transformer(model.config(), model.weights(), new ScalarCompute());
    try (VectorCompute compute = new VectorCompute(threads, TensorType.F32)) {
      Transformer fast = new Transformer(model.config(), model.weights(), compute);
      int token = 1;
      for (int pos = 0; pos < 20; pos++) {
        float[] a = scalar.forward(token, pos).clone();
        float[] b = fast.forward(token, pos);
        for (int i = 0; i < a.length; i++) {
          assertThat(b[i]).as("pos %d logit %d", pos, i).isCloseTo(a[i], Offset.offset(1e-4f));
        }
        token = Sampler.argmax(a);
        assertThat(Sampler.argmax(b)).isEqualTo(token);
      }
    }
    try (LanguageModel s = new LanguageModel(model, new ScalarCompute());
        LanguageModel f = new LanguageModel(model, new VectorCompute(threads, TensorType.F32))) {
      for (GenerationConfig cfg :
          List.of(
              GenerationConfig.greedy(60),
              GenerationConfig.defaults().withMaxTokens(60).withSeed(5).withTemperature(0.9f),
              GenerationConfig.defaults().withMaxTokens(60).withSeed(9).withTopK(20))) {
        GenerationConfig c = cfg.withIgnoreEos(true);
        List<Integer> expected = TestModels.tokens(s, "Once upon a time", c);
        assertThat(expected).hasSize(60);
        assertThat(TestModels.tokens(f, "Once upon a time", c)).isEqualTo(expected);
      }
    }
  }
}
