package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.llm.jvm.VectorCompute;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LanguageModelTest {
  private static final String PROMPT = "Once upon a time";
  private final LanguageModel model =
      new LanguageModel(
          TinyModels.model(TinyModels.tinyConfig(), TensorType.Q8_0, 3), new VectorCompute(1));
  private final ExecutorService executor = Executors.newSingleThreadExecutor();

  @AfterEach
  void close() {
    executor.shutdownNow();
    model.close();
  }

  private static GenerationConfig cfg(int n) {
    return GenerationConfig.greedy(n).withIgnoreEos(true);
  }

  @Test
  void generateEqualsTheStreamedPieces() {
    LanguageModel.Result r = model.generate(PROMPT, cfg(30));
    StringBuilder streamed = new StringBuilder();
    GenerationStats stats = model.stream(PROMPT, cfg(30), p -> streamed.append(p.text()) != null);
    assertThat(streamed.toString()).isEqualTo(r.text()).isNotEmpty();
    assertThat(stats.tokens()).isEqualTo(30);
    assertThat(stats.stopReason()).isEqualTo("max_tokens");
    assertThat(stats.promptTokens()).isEqualTo(model.tokenizer().encode(PROMPT, true).length);
    assertThat(stats.tokensPerSecond()).isPositive();
    assertThat(stats.timeToFirstTokenMs()).isPositive();
  }

  @Test
  void stopStringsEndGenerationAndAreNotOutput() {
    String full = model.generate(PROMPT, cfg(40)).text();
    String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
    LanguageModel.Result r = model.generate(PROMPT, cfg(40).withStop(List.of(stop)));
    assertThat(r.text()).isEqualTo(full.substring(0, full.indexOf(stop)));
    assertThat(r.stats().stopReason()).isEqualTo("stop");
  }

  @Test
  void theCallbackCanCancel() {
    List<String> pieces = new ArrayList<>();
    GenerationStats s =
        model.stream(PROMPT, cfg(50), p -> pieces.add(p.text()) && pieces.size() < 5);
    assertThat(pieces).hasSize(5);
    assertThat(s.stopReason()).isEqualTo("cancelled");
    // The model is free again.
    assertThat(model.generate(PROMPT, cfg(3)).stats().tokens()).isEqualTo(3);
  }

  @Test
  void oneGenerationAtATime() {
    try (Generation g = model.start(PROMPT, cfg(5))) {
      assertThat(g.next()).isNotNull();
      assertThatThrownBy(() -> model.start(PROMPT, cfg(5)))
          .isInstanceOf(IllegalStateException.class);
    }
    assertThat(model.generate(PROMPT, cfg(2)).stats().tokens()).isEqualTo(2);
  }

  @Test
  void asyncStreamYieldsTheSameTokensThenDone() throws Exception {
    String expected = model.generate(PROMPT, cfg(12)).text();
    AsyncTokenStream stream = model.generateAsync(PROMPT, cfg(12), executor);
    StringBuilder out = new StringBuilder();
    int steps = 0;
    while (true) {
      AsyncTokenStream.Step step = stream.next().get(60, TimeUnit.SECONDS);
      if (step.done()) {
        break;
      }
      out.append(step.value());
      steps++;
    }
    assertThat(steps).isEqualTo(12);
    assertThat(out.toString()).isEqualTo(expected);
    assertThat(stream.next().get(60, TimeUnit.SECONDS).done()).isTrue();
  }

  @Test
  void publisherHonoursDemandAndCompletes() throws Exception {
    String expected = model.generate(PROMPT, cfg(10)).text();
    CompletableFuture<String> done = new CompletableFuture<>();
    model
        .publisher(PROMPT, cfg(10), executor)
        .subscribe(
            new Flow.Subscriber<String>() {
              private final StringBuilder text = new StringBuilder();
              private Flow.Subscription sub;

              @Override
              public void onSubscribe(Flow.Subscription s) {
                sub = s;
                s.request(1);
              }

              @Override
              public void onNext(String item) {
                text.append(item);
                sub.request(1);
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onComplete() {
                done.complete(text.toString());
              }
            });
    assertThat(done.get(60, TimeUnit.SECONDS)).isEqualTo(expected);
  }

  @Test
  void infoConfigChatAndVersion() {
    ModelInfo info = model.modelInfo();
    LlamaConfig c = TinyModels.tinyConfig();
    assertThat(info.dtype()).isEqualTo("q8_0");
    assertThat(info.dim()).isEqualTo(c.dim());
    assertThat(info.kvHeads()).isEqualTo(2);
    long perLayer = 2L * 64 + 2L * 64 * 64 + 2L * 64 * 32 + 3L * 64 * 192;
    assertThat(info.parameters()).isEqualTo(2L * c.vocabSize() * 64 + 2 * perLayer + 64);
    assertThat(info.compute()).startsWith("vector-");

    model.setConfig(cfg(4));
    assertThat(model.generate(PROMPT).stats().tokens()).isEqualTo(4);
    assertThat(model.config().maxTokens()).isEqualTo(4);

    assertThat(
            model.formatChat(
                List.of(
                    new ChatMessage("system", "Be brief."),
                    new ChatMessage("user", "Hi"),
                    new ChatMessage("assistant", "Hello."),
                    new ChatMessage("user", "Tell a story"))))
        .isEqualTo(
            "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] Tell a story"
                + " [/INST]");
    assertThat(LanguageModel.version()).matches("\\d+\\.\\d+\\.\\d+");
    assertThatThrownBy(() -> new ChatMessage("robot", "x")).hasMessageContaining("role");
  }

  @Test
  void aShorterContextEndsGeneration() {
    Model small = TinyModels.model(TinyModels.tinyConfig(), TensorType.F32, 3).withContext(20);
    try (LanguageModel lm = new LanguageModel(small, new ScalarCompute())) {
      GenerationStats s = lm.generate(PROMPT, cfg(100)).stats();
      assertThat(s.stopReason()).isEqualTo("context");
      assertThat(s.promptTokens() + s.tokens()).isEqualTo(21);
    }
  }

  @Test
  void aKvCacheTooLargeForAnArrayIsRefusedByName() {
    Model m = TinyModels.model(TinyModels.tinyConfig(), TensorType.F32, 3);
    LlamaConfig huge = m.config().withSeqLen(1 << 28);
    assertThatThrownBy(() -> new Transformer(huge, m.weights(), new ScalarCompute()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("KV cache")
        .hasMessageContaining("shorter context");
  }

  @Test
  void promptsLongerThanTheContextAreRefused() {
    String longPrompt = "x ".repeat(200);
    assertThatThrownBy(() -> model.generate(longPrompt, cfg(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("context holds 128");
  }

  @Test
  void aPromptFarTooLongIsRefusedFromItsLengthWithoutBeingEncoded() {
    // Encoding these 10,000 words took 16 s when each merge rescanned every pair; "at least"
    // tells the refusal that counts characters from the one that counts tokens.
    String words = "word ".repeat(10_000);
    assertThatThrownBy(() -> model.generate(words, cfg(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prompt has at least")
        .hasMessageContaining("context holds 128");
  }

  @Test
  void aPromptEncodedBeforehandGeneratesAsTheSameText() {
    int[] tokens = model.encodePrompt("Once upon a time");
    List<Integer> fromText = TestModels.tokens(model, "Once upon a time", cfg(5));
    List<Integer> fromTokens = new ArrayList<>();
    try (Generation g = model.start(tokens, cfg(5))) {
      for (TokenPiece p = g.next(); p != null; p = g.next()) {
        fromTokens.add(p.id());
      }
    }
    assertThat(fromTokens).isEqualTo(fromText);
    assertThatThrownBy(() -> model.start(new int[] {1, 1 << 20}, cfg(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not in the vocabulary");
  }
}
