package dev.wasmgrid.matmul;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.matmul.GemmSelector.Candidate;
import dev.wasmgrid.matmul.GemmSelector.CandidateReport;
import dev.wasmgrid.matmul.GemmSelector.Loaded;
import dev.wasmgrid.matmul.GemmSelector.Selection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Selection logic only: nothing here asserts on timings, which depend on the machine. */
class GemmSelectorTest {

  // A small timing problem keeps the tests fast; the logic is the same as at n = 256.
  private final GemmSelector selector = new GemmSelector(42, 48, Duration.ofMillis(50));
  private final Gemm reference = new ReferenceGemm(1);

  private static Candidate candidate(String name, Gemm gemm) {
    return new Candidate(name, () -> new Loaded(gemm, ""));
  }

  @Test
  void picksTheCorrectKernelOverAWrongOne() {
    Gemm wrong = TestKernels.droppedLastTerm("dropped");
    Gemm right = TestKernels.reverseOrder("reverse");

    Selection selection =
        selector.select(
            List.of(
                candidate("dropped", wrong),
                new Candidate("reverse", () -> new Loaded(right, "summed backwards"))),
            reference);

    assertThat(selection.chosen()).isSameAs(right);
    CandidateReport dropped = selection.reports().get(0);
    assertThat(dropped.name()).isEqualTo("dropped");
    assertThat(dropped.loaded()).isTrue();
    assertThat(dropped.correct()).isFalse();
    assertThat(dropped.gflops()).isEmpty();
    assertThat(dropped.rejection())
        .hasValueSatisfying(r -> assertThat(r).startsWith("wrong result: f64 1x1x1"));
    CandidateReport reverse = selection.reports().get(1);
    assertThat(reverse.correct()).isTrue();
    assertThat(reverse.gflops()).isPresent();
    assertThat(reverse.rejection()).isEmpty();
    assertThat(selection.reason())
        .startsWith("reverse (summed backwards): ")
        .contains(" GFLOP/s, fastest correct of reverse ")
        .contains("; rejected: dropped (wrong result: ");
  }

  @Test
  void reportsAFailedLoadWithItsReason() {
    Gemm right = TestKernels.reverseOrder("reverse");
    Selection selection =
        selector.select(
            List.of(
                new Candidate(
                    "gpu",
                    () -> {
                      throw new GemmUnavailableException("no CUDA device visible");
                    }),
                candidate("reverse", right)),
            reference);

    assertThat(selection.chosen()).isSameAs(right);
    CandidateReport gpu = selection.reports().get(0);
    assertThat(gpu.loaded()).isFalse();
    assertThat(gpu.correct()).isFalse();
    assertThat(gpu.detail()).isEmpty();
    assertThat(gpu.rejection()).contains("failed to load: no CUDA device visible");
    assertThat(selection.reason()).contains("gpu (failed to load: no CUDA device visible)");
  }

  @Test
  void aLoaderThatThrowsAnUncheckedErrorCountsAsAFailedLoad() {
    Selection selection =
        selector.select(
            List.of(
                new Candidate(
                    "native",
                    () -> {
                      throw new UnsatisfiedLinkError("no jnifoo in java.library.path");
                    })),
            reference);

    assertThat(selection.chosen()).isSameAs(reference);
    assertThat(selection.reports().get(0).rejection())
        .contains("failed to load: UnsatisfiedLinkError: no jnifoo in java.library.path");
  }

  @Test
  void fallsBackToTheReferenceWhenNoCandidateIsCorrect() {
    Selection selection =
        selector.select(
            List.of(
                candidate("dropped", TestKernels.droppedLastTerm("dropped")),
                candidate("acc", TestKernels.accumulating("acc")),
                candidate("scribbler", TestKernels.modifiesInput("scribbler")),
                candidate("f64only", TestKernels.f64Only("f64only")),
                new Candidate(
                    "gpu",
                    () -> {
                      throw new GemmUnavailableException("no CUDA device visible");
                    })),
            reference);

    assertThat(selection.chosen()).isSameAs(reference);
    assertThat(selection.reports()).extracting(CandidateReport::correct).containsOnly(false);
    assertThat(selection.reports())
        .extracting(r -> r.rejection().orElseThrow())
        .satisfiesExactly(
            r -> assertThat(r).startsWith("wrong result: "),
            r -> assertThat(r).startsWith("wrong result: "),
            r -> assertThat(r).contains("modified its input"),
            r ->
                assertThat(r)
                    .isEqualTo(
                        "failed while checking: UnsupportedOperationException: f32 is not"
                            + " implemented"),
            r -> assertThat(r).isEqualTo("failed to load: no CUDA device visible"));
    assertThat(selection.reason())
        .startsWith("no candidate gave correct results (dropped (wrong result: ")
        .contains("gpu (failed to load: no CUDA device visible)")
        .endsWith("; using the reference kernel ref");
  }

  @Test
  void fallsBackToTheReferenceWhenThereAreNoCandidates() {
    Selection selection = selector.select(List.of(), reference);

    assertThat(selection.chosen()).isSameAs(reference);
    assertThat(selection.reports()).isEmpty();
    assertThat(selection.reason())
        .isEqualTo(
            "no candidate gave correct results (none given); using the reference kernel ref");
  }

  @Test
  void ofTwoCorrectKernelsTheOtherIsReportedAsSlower() {
    Gemm first = TestKernels.reverseOrder("first");
    Gemm second = new ReferenceGemm(1);

    Selection selection =
        selector.select(List.of(candidate("first", first), candidate("second", second)), reference);

    // Which one wins depends on the machine; that exactly one wins, and how, does not.
    assertThat(selection.reports()).allSatisfy(r -> assertThat(r.gflops()).isPresent());
    CandidateReport winner =
        selection.reports().stream().filter(r -> r.rejection().isEmpty()).findFirst().orElseThrow();
    CandidateReport loser =
        selection.reports().stream()
            .filter(r -> r.rejection().isPresent())
            .findFirst()
            .orElseThrow();
    assertThat(selection.chosen()).isSameAs(winner.name().equals("first") ? first : second);
    // Consistency of the report with itself, not a claim about this machine's speed:
    assertThat(winner.gflops().getAsDouble()).isGreaterThanOrEqualTo(loser.gflops().getAsDouble());
    assertThat(loser.rejection().orElseThrow()).startsWith("slower than " + winner.name() + " (");
    assertThat(selection.reason())
        .startsWith(winner.name() + ": ")
        .contains("fastest correct of " + winner.name() + " ")
        .contains(", " + loser.name() + " ");
  }

  @Test
  void checksAgainstTheReferenceItIsGiven() {
    // With a broken "reference", a correct candidate disagrees with it and is rejected.
    Gemm brokenReference = TestKernels.droppedLastTerm("broken-ref");
    Selection selection =
        selector.select(List.of(candidate("ref", new ReferenceGemm(1))), brokenReference);

    assertThat(selection.chosen()).isSameAs(brokenReference);
    assertThat(selection.reports().get(0).rejection())
        .hasValueSatisfying(r -> assertThat(r).startsWith("wrong result: "));
  }

  @Test
  void theSameSeedChecksTheSameOperands() {
    List<Candidate> candidates = List.of(candidate("dropped", TestKernels.droppedLastTerm("d")));
    String first =
        selector.select(candidates, reference).reports().get(0).rejection().orElseThrow();
    String second =
        new GemmSelector(42, 48, Duration.ofMillis(50))
            .select(candidates, reference)
            .reports()
            .get(0)
            .rejection()
            .orElseThrow();
    String otherSeed =
        new GemmSelector(43, 48, Duration.ofMillis(50))
            .select(candidates, reference)
            .reports()
            .get(0)
            .rejection()
            .orElseThrow();

    assertThat(second).isEqualTo(first);
    assertThat(otherSeed).isNotEqualTo(first);
  }
}
