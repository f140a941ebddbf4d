package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's penalties and logit bias on the logits, and the log-probabilities a generation reports.
 */
class PenaltiesAndLogprobsTest {
  private static final String PROMPT = "Once upon a time";
  private final LanguageModel model =
      new LanguageModel(
          TinyModels.model(TinyModels.tinyConfig(), TensorType.Q8_0, 3), new VectorCompute(1));

  @AfterEach
  void close() {
    model.close();
  }

  @Test
  void penaltiesFollowOpenAisFormula() {
    LogitAdjuster adjuster = new LogitAdjuster(new Penalties(0.5f, 0.25f, Map.of(3, 10f)), 4);
    adjuster.accept(1);
    adjuster.accept(1);
    adjuster.accept(2);
    float[] logits = {1, 1, 1, 1};
    adjuster.apply(logits);
    // logit - presence * [count > 0] - frequency * count, plus the bias.
    assertThat(logits).containsExactly(1f, 1 - 0.5f - 0.5f, 1 - 0.5f - 0.25f, 11f);
  }

  @Test
  void outOfRangeSettingsAreRefused() {
    assertThatThrownBy(() -> new Penalties(2.5f, 0, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Penalties(0, 0, Map.of(1, 101f)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LogitAdjuster(new Penalties(0, 0, Map.of(99, 1f)), 10))
        .hasMessageContaining("99");
  }

  @Test
  void aLargeBiasForcesItsTokenAndANegativeOneBansIt() {
    List<Integer> greedy = tokens(GenerationConfig.greedy(8).withIgnoreEos(true));
    int forced = greedy.get(3);
    List<Integer> all =
        tokens(
            GenerationConfig.greedy(8)
                .withIgnoreEos(true)
                .withPenalties(new Penalties(0, 0, Map.of(forced, 100f))));
    assertThat(all).hasSize(8).containsOnly(forced);
    List<Integer> banned =
        tokens(
            GenerationConfig.greedy(8)
                .withIgnoreEos(true)
                .withPenalties(new Penalties(0, 0, Map.of(greedy.getFirst(), -100f))));
    assertThat(banned.getFirst()).isNotEqualTo(greedy.getFirst());
  }

  @Test
  void aFrequencyPenaltyStopsGreedyRepetition() {
    GenerationConfig greedy = GenerationConfig.greedy(40).withIgnoreEos(true);
    List<Integer> plain = tokens(greedy);
    List<Integer> penalised = tokens(greedy.withPenalties(new Penalties(0, 2, Map.of())));
    assertThat(penalised).isNotEqualTo(plain);
    assertThat(distinct(penalised)).isGreaterThan(distinct(plain));
  }

  @Test
  void logprobsDescribeEachGeneratedTokenAndItsAlternatives() {
    GenerationConfig cfg = GenerationConfig.greedy(20).withIgnoreEos(true).withLogprobs(3);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    StringBuilder text = new StringBuilder();
    List<TokenLogprobs> all = new ArrayList<>();
    try (Generation g = model.start(PROMPT, cfg)) {
      for (TokenPiece p = g.next(); p != null; p = g.next()) {
        text.append(p.text());
        TokenLogprobs lp = g.logprobs();
        assertThat(lp).isNotNull();
        assertThat(lp.chosen().id()).isEqualTo(p.id());
        lp.chosen().bytes().forEach(bytes::write);
        all.add(lp);
      }
      assertThat(all).hasSize(g.stats().tokens());
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(text.toString());
    for (TokenLogprobs lp : all) {
      assertThat(lp.top()).hasSize(3);
      // Greedy: the generated token is the most likely one.
      assertThat(lp.top().getFirst().id()).isEqualTo(lp.chosen().id());
      assertThat(lp.chosen().logprob()).isEqualTo(lp.top().getFirst().logprob()).isNegative();
      assertThat(lp.top().get(1).logprob()).isLessThanOrEqualTo(lp.top().get(0).logprob());
      assertThat(lp.top().get(2).logprob()).isLessThanOrEqualTo(lp.top().get(1).logprob());
      double mass = lp.top().stream().mapToDouble(t -> Math.exp(t.logprob())).sum();
      assertThat(mass).isLessThanOrEqualTo(1.0001);
    }
  }

  @Test
  void noLogprobsUnlessAskedAndNoneForTheEndOfSequence() {
    try (Generation g = model.start(PROMPT, GenerationConfig.greedy(5))) {
      assertThat(g.next()).isNotNull();
      assertThat(g.logprobs()).isNull();
    }
    // Banning everything but the end of sequence ends generation at once.
    int eos = model.tokenizer().vocabulary().eos();
    try (Generation g =
        model.start(
            PROMPT,
            GenerationConfig.greedy(5)
                .withLogprobs(0)
                .withPenalties(new Penalties(0, 0, Map.of(eos, 100f))))) {
      g.next();
      assertThat(g.stats().stopReason()).isEqualTo("eos");
      assertThat(g.logprobs()).isNull();
    }
  }

  private List<Integer> tokens(GenerationConfig cfg) {
    List<Integer> ids = new ArrayList<>();
    try (Generation g = model.start(PROMPT, cfg)) {
      for (TokenPiece p = g.next(); p != null; p = g.next()) {
        ids.add(p.id());
      }
    }
    return ids;
  }

  private static long distinct(List<Integer> ids) {
    return ids.stream().distinct().count();
  }
}
