package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Generations' steps that wait while a pass runs share the next one, with each result the same as
 * alone; a step queued ahead of its caller rides in another caller's pass, or is taken back (a
 * generation queues its next step with each token, never after a failure); the thread running a
 * pass does each generation's work on it and queues its next step, up to {@link
 * ForwardRunner#AHEAD} outcomes ahead of its caller, with the tokens and log-probabilities of the
 * generation alone; a failing pass reaches every caller in it, and the scheduler goes on serving.
 */
class StepSchedulerTest {
  private static final Model MODEL = TinyModels.model(TinyModels.tinyConfig(), TensorType.Q8_0, 5);
  private static final int VOCAB = TinyModels.tinyConfig().vocabSize();

  // A fresh scheduler, caches and lanes for each test (JUnit makes an instance per test).
  private final HeldCompute held = new HeldCompute(VOCAB);
  private final Transformer t = new Transformer(MODEL.config(), MODEL.weights(), held);
  private final StepScheduler scheduler = new StepScheduler(t);
  private final KvCache a = t.newCache();
  private final KvCache b = t.newCache();
  private final KvCache c = t.newCache();
  private final StepScheduler.Lane laneA = scheduler.lane();
  private final StepScheduler.Lane laneB = scheduler.lane();
  private final StepScheduler.Lane laneC = scheduler.lane();

  /** Logits of {@code tokens} run one by one on a sequence of its own. */
  private static float[] alone(int... tokens) {
    Transformer t = new Transformer(MODEL.config(), MODEL.weights(), new ScalarCompute());
    KvCache cache = t.newCache();
    for (int pos = 0; pos < tokens.length; pos++) {
      t.forward(cache, tokens[pos], pos);
    }
    return cache.logits();
  }

  private static ForwardBatch one(KvCache cache, int token, int pos) {
    ForwardBatch b = new ForwardBatch();
    b.add(cache, token, pos, true);
    return b;
  }

  private static void until(String what, BooleanSupplier done) throws InterruptedException {
    for (int i = 0; i < 30_000 && !done.getAsBoolean(); i++) {
      Thread.sleep(1);
    }
    assertThat(done.getAsBoolean()).as(what).isTrue();
  }

  @Test
  void stepsArrivingDuringAPassShareTheNextAndGiveTheirResultsAlone() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(3);
    try {
      Future<?> first =
          threads.submit(
              () -> {
                laneA.forward(one(a, 10, 0));
                // Choosing its token: the next pass waits for this lane to come back.
                laneA.forward(one(a, 11, 1));
              });
      until("the first pass is held", held::holding);
      Future<?> second = threads.submit(() -> laneB.forward(one(b, 20, 0)));
      Future<?> third = threads.submit(() -> laneC.forward(one(c, 30, 0)));
      until("both wait for the next pass", () -> scheduler.waiting() == 2);

      held.allow(2);
      first.get();
      second.get();
      third.get();

      assertThat(scheduler.passes()).isEqualTo(2);
      assertThat(scheduler.entries()).isEqualTo(4);
      assertThat(a.logits()).containsExactly(alone(10, 11));
      assertThat(b.logits()).containsExactly(alone(20));
      assertThat(c.logits()).containsExactly(alone(30));
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aPassWaitsForTheStreamsOfThePreviousOneStillChoosingTheirTokens() throws Exception {
    held.allow(1);
    laneA.forward(one(a, 10, 0));
    // A is choosing its token (no pause yet): B's step must wait for A's next one.
    Thread second = new Thread(() -> laneB.forward(one(b, 20, 0)));
    second.setDaemon(true);
    second.start();
    try {
      // A pass started without A would be held at the gate; waiting() never shows a leader's lane.
      until(
          "B waits, or a pass without A runs",
          () ->
              held.holding()
                  || (scheduler.waiting() == 1 && second.getState() == Thread.State.WAITING));
      assertThat(held.holding())
          .as("a pass started without the stream choosing its token")
          .isFalse();

      held.allow(1);
      laneA.forward(one(a, 11, 1));
      second.join();
      assertThat(scheduler.passes()).isEqualTo(2);
      assertThat(scheduler.entries()).isEqualTo(3);
      assertThat(a.logits()).containsExactly(alone(10, 11));
      assertThat(b.logits()).containsExactly(alone(20));
    } finally {
      // A failed check leaves no thread held.
      held.allow(1000);
    }
  }

  @Test
  void aStepQueuedAheadRunsInAnotherCallersPassAndItsCallerTakesTheOutcome() {
    held.allow(2);
    laneA.forward(one(a, 10, 0));
    Steps next = new Steps(a, 1, 1);
    // A's caller has its token: A's next step waits for a pass without holding one up.
    laneA.ahead(next.batch, next);
    assertThat(scheduler.waiting()).isEqualTo(1);

    laneB.forward(one(b, 20, 0));
    assertThat(scheduler.passes()).isEqualTo(2);
    assertThat(scheduler.entries()).isEqualTo(3);
    assertThat(a.logits()).containsExactly(alone(10, 101));
    assertThat(next.ranOn).as("A's work, on the thread that ran the pass").hasSize(1);

    // A's caller comes back: the step has run, and no pass runs for it.
    laneA.forward(next.batch, next);
    assertThat(scheduler.passes()).isEqualTo(2);
    assertThat(next.ranOn).hasSize(1);
    assertThat(b.logits()).containsExactly(alone(20));
  }

  @Test
  void pauseTakesBackAStepQueuedAheadOrWaitsForItsPass() throws Exception {
    held.allow(1);
    laneA.forward(one(a, 10, 0));
    laneA.ahead(one(a, 11, 1), () -> false);
    laneA.pause();
    assertThat(scheduler.waiting()).isZero();
    held.allow(1);
    laneB.forward(one(b, 20, 0));
    assertThat(scheduler.entries()).as("the step taken back never ran").isEqualTo(2);

    // Queued again, then in a pass when its generation ends: pause returns once the pass has run.
    laneA.ahead(one(a, 11, 1), () -> true);
    ExecutorService threads = Executors.newSingleThreadExecutor();
    try {
      Future<?> pass = threads.submit(() -> laneB.forward(one(b, 21, 1)));
      until("the pass with both steps is held", held::holding);
      Thread pausing = new Thread(laneA::pause);
      pausing.start();
      until("pause waits for the pass", () -> pausing.getState() == Thread.State.WAITING);
      held.allow(1);
      pausing.join();
      pass.get();
      assertThat(scheduler.passes()).isEqualTo(3);
      assertThat(scheduler.entries()).isEqualTo(4);
      assertThat(b.logits()).containsExactly(alone(20, 21));
    } finally {
      held.allow(1000);
      threads.shutdownNow();
    }
  }

  @Test
  void aGenerationQueuesItsNextStepAheadExceptAfterAFailureAndTakesItBackOnClose() {
    Tokenizer tokenizer = new Tokenizer(MODEL.vocabulary());
    int[] prompt = tokenizer.encode("the cat", true);
    Generation g =
        new Generation(
            t,
            t.newCache(),
            scheduler.lane(),
            0,
            null,
            tokenizer,
            prompt,
            GenerationConfig.greedy(8).withIgnoreEos(true).withStop(List.of()),
            () -> {});
    held.allow(1);
    assertThat(g.next()).isNotNull();
    assertThat(scheduler.waiting()).as("the next step, queued with the token").isEqualTo(1);

    held.failing.set(true);
    held.allow(1);
    assertThatThrownBy(g::next).hasMessage("injected failure");
    assertThat(scheduler.waiting()).as("a failed step is not queued again").isZero();

    held.failing.set(false);
    held.allow(1);
    assertThat(g.next()).as("the caller asks again: the step runs").isNotNull();
    assertThat(scheduler.waiting()).isEqualTo(1);
    g.close();
    assertThat(scheduler.waiting()).as("closing takes the queued step back").isZero();
    held.allow(1); // a pass run after closing would fail the count below, not hang
    assertThat(g.next()).as("nothing after closing").isNull();
    assertThat(g.isDone()).isTrue();
    assertThat(scheduler.passes()).isEqualTo(3);
  }

  /** A generation's work on its outcomes: the threads it ran on; refills its batch while asked. */
  private static final class Steps implements ForwardRunner.AfterPass {
    final ForwardBatch batch;
    final List<Thread> ranOn = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final KvCache cache;
    private final int last;
    private int pos;

    Steps(KvCache cache, int first, int last) {
      this.cache = cache;
      this.batch = one(cache, 100 + first, first);
      this.pos = first;
      this.last = last;
    }

    @Override
    public boolean afterPass() {
      ranOn.add(Thread.currentThread());
      if (pos == last) {
        return false;
      }
      pos++;
      batch.clear();
      batch.add(cache, 100 + pos, pos, true);
      return true;
    }
  }

  @Test
  void theThreadRunningAPassDoesEachGenerationsWorkAndQueuesItsNextStepAtOnce() {
    held.allow(3);
    Steps steps = new Steps(a, 0, 1);
    laneA.forward(steps.batch, steps);
    assertThat(steps.ranOn).containsExactly(Thread.currentThread());
    assertThat(scheduler.waiting()).as("the next step, queued by the work").isEqualTo(1);

    // B's caller runs the pass, with A's step in it, and A's work on that thread.
    Thread other = new Thread(() -> laneB.forward(one(b, 20, 0)));
    other.start();
    assertThatCode(other::join).doesNotThrowAnyException();
    assertThat(steps.ranOn).hasSize(2).last().isEqualTo(other);
    assertThat(scheduler.waiting()).as("no step after the last").isZero();
    assertThat(a.logits()).containsExactly(alone(100, 101));

    // A's caller comes back: the outcome is there, and no pass runs for it.
    laneA.forward(steps.batch, steps);
    assertThat(scheduler.passes()).isEqualTo(2);
    assertThat(steps.ranOn).hasSize(2);
  }

  @Test
  void aGenerationRunsAtMostAheadOutcomesBeforeItsCallerTakesThem() {
    held.allow(1000);
    Steps steps = new Steps(a, 0, 20);
    laneA.forward(steps.batch, steps);
    for (int pos = 0; pos < ForwardRunner.AHEAD + 2; pos++) {
      laneB.forward(one(b, 20 + pos, pos));
    }
    assertThat(steps.ranOn)
        .as("the first call's, then one per outcome ahead")
        .hasSize(1 + ForwardRunner.AHEAD);
    assertThat(scheduler.entries())
        .as("A's steps rode in the first passes only")
        .isEqualTo(1 + ForwardRunner.AHEAD + ForwardRunner.AHEAD + 2);
    assertThat(scheduler.waiting()).as("A's next step is held").isZero();

    // The caller takes one: room for one more, so the step held is queued.
    laneA.forward(steps.batch, steps);
    assertThat(scheduler.waiting()).isEqualTo(1);
    assertThat(steps.ranOn).hasSize(1 + ForwardRunner.AHEAD);
    laneA.pause();
    assertThat(scheduler.waiting()).as("pause takes it back").isZero();
  }

  @Test
  void aGenerationDrivenByAnothersPassesGivesTheTokensAndLogprobsItGivesAlone() {
    Tokenizer tokenizer = new Tokenizer(MODEL.vocabulary());
    int[] prompt = tokenizer.encode("the cat", true);
    GenerationConfig config =
        GenerationConfig.greedy(12).withIgnoreEos(true).withStop(List.of()).withLogprobs(2);
    Transformer plain = new Transformer(MODEL.config(), MODEL.weights(), new ScalarCompute());
    List<String> expected = new ArrayList<>();
    try (Generation g =
        new Generation(
            plain,
            plain.newCache(),
            ForwardRunner.alone(plain),
            0,
            null,
            tokenizer,
            prompt,
            config,
            () -> {})) {
      for (TokenPiece p = g.next(); p != null; p = g.next()) {
        expected.add(p + " " + g.logprobs());
      }
    }

    held.allow(1000);
    Generation slow = generation(tokenizer, prompt, config);
    Generation fast = generation(tokenizer, tokenizer.encode("a dog", true), config);
    List<String> got = new ArrayList<>();
    TokenPiece first = slow.next();
    got.add(first + " " + slow.logprobs());
    // The other generation's passes run the slow one's steps, up to AHEAD of its caller.
    while (fast.next() != null) {
      assertThat(slow.isDone()).isFalse();
    }
    for (TokenPiece p = slow.next(); p != null; p = slow.next()) {
      got.add(p + " " + slow.logprobs());
    }
    assertThat(slow.isDone()).isTrue();
    assertThat(got).containsExactlyElementsOf(expected);
    assertThat(slow.stats().tokens()).isEqualTo(12);
    slow.close();
    fast.close();
  }

  private Generation generation(Tokenizer tokenizer, int[] prompt, GenerationConfig config) {
    return new Generation(
        t, t.newCache(), scheduler.lane(), 0, null, tokenizer, prompt, config, () -> {});
  }

  @Test
  void aFailingPassFailsEveryCallerInItAndTheNextPassRuns() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(3);
    try {
      held.failing.set(true);
      Future<?> first = threads.submit(() -> laneA.forward(one(a, 10, 0)));
      until("the first pass is held", held::holding);
      Future<?> second = threads.submit(() -> laneB.forward(one(b, 20, 0)));
      Future<?> third = threads.submit(() -> laneC.forward(one(c, 30, 0)));
      until("both wait for the next pass", () -> scheduler.waiting() == 2);
      held.allow(2);
      for (Future<?> f : List.of(first, second, third)) {
        assertThatThrownBy(f::get).hasRootCauseMessage("injected failure");
      }
      assertThat(scheduler.passes()).isEqualTo(2);
      assertThat(scheduler.entries()).isEqualTo(3);

      held.failing.set(false);
      held.allow(2);
      laneB.forward(one(b, 20, 0));
      laneB.pause();
      laneC.forward(one(c, 30, 0));
      assertThat(b.logits()).containsExactly(alone(20));
      assertThat(c.logits()).containsExactly(alone(30));
    } finally {
      threads.shutdownNow();
    }
  }
}
