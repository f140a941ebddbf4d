package dev.wasmgrid.matmul.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkerSpeed;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.coordinator.MatmulPolicy.Mode;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MatmulPolicyTest {
  /** 4096×64 · 64×4096: 2.1 GFLOP, over the split threshold, in 4 MB of operands. */
  static final MatmulRequest BIG = request(4096, 64, 4096);

  static final WorkerSpeed.Estimate UNMEASURED =
      new WorkerSpeed.Estimate(Double.NaN, Double.NaN, Double.NaN);

  @Test
  void withUnmeasuredWorkersAutoTriesEachWayThenKeepsTheFasterOne() {
    MatmulPolicy policy = new MatmulPolicy();
    List<WorkerSpeed.Estimate> workers = List.of(UNMEASURED);
    assertThat(policy.distribute(request(256, 256, 256), Mode.AUTO, workers))
        .as("under the threshold")
        .isFalse();
    assertThat(policy.distribute(BIG, Mode.AUTO, workers)).as("distributed not measured").isTrue();
    policy.recordDistributed(BIG, 1_000_000_000L, workers); // 2.1 GFLOP/s
    assertThat(policy.distribute(BIG, Mode.AUTO, workers)).as("local not measured").isFalse();
    policy.recordLocal(BIG.flops(), 250_000_000L); // 8.6 GFLOP/s
    assertThat(policy.distribute(BIG, Mode.AUTO, workers)).isFalse();
    for (int i = 0; i < 20; i++) {
      policy.recordDistributed(BIG, 100_000_000L, workers); // 21 GFLOP/s: more workers came
    }
    assertThat(policy.distribute(BIG, Mode.AUTO, workers)).isTrue();
  }

  @Test
  void withMeasuredWorkersAutoFollowsTheCostModel() {
    MatmulPolicy policy = new MatmulPolicy();
    policy.recordLocal(BIG.flops(), 200_000_000L); // 10.7 GFLOP/s: 0.2 s for BIG
    // Two workers at 20 GFLOP/s: 0.054 s of compute; 143 MB (mostly C) over the links.
    WorkerSpeed.Estimate fastLink = new WorkerSpeed.Estimate(20, 1e9, 1e-4);
    WorkerSpeed.Estimate slowLink = new WorkerSpeed.Estimate(20, 50e6, 1e-4);
    assertThat(policy.distribute(BIG, Mode.AUTO, List.of(fastLink, fastLink))).isTrue();
    assertThat(policy.distribute(BIG, Mode.AUTO, List.of(slowLink, slowLink)))
        .as("the transfer alone takes longer than computing locally")
        .isFalse();
    assertThat(policy.distribute(BIG, Mode.AUTO, List.of())).as("no healthy worker").isFalse();
  }

  @Test
  void autoLearnsWhatTheModelLeavesOut() {
    MatmulPolicy policy = new MatmulPolicy();
    policy.recordLocal(BIG.flops(), 200_000_000L);
    WorkerSpeed.Estimate worker = new WorkerSpeed.Estimate(20, 1e9, 1e-4);
    List<WorkerSpeed.Estimate> workers = List.of(worker, worker);
    assertThat(policy.distribute(BIG, Mode.AUTO, workers)).isTrue();
    // Predicted 0.13 s but it took 2 s: the coordinator's own overhead, say. The learnt
    // efficiency carries that into the next prediction.
    policy.recordDistributed(BIG, 2_000_000_000L, workers);
    assertThat(policy.distribute(BIG, Mode.AUTO, workers)).isFalse();
    assertThat(policy.view().get().text()).containsPattern("\"model_efficiency\":0\\.0[0-9]+");
  }

  @Test
  void theModeAndPerRequestOverridesWin() {
    MatmulPolicy policy = new MatmulPolicy();
    List<WorkerSpeed.Estimate> workers = List.of(UNMEASURED);
    policy.recordDistributed(BIG, 1_000_000_000L, workers);
    policy.recordLocal(BIG.flops(), 100_000_000L);
    assertThat(policy.distribute(BIG, Mode.DISTRIBUTED, workers)).isTrue();
    put(policy, "{\"mode\":\"distributed\"}");
    assertThat(policy.distribute(request(2, 2, 2), Mode.AUTO, workers)).isTrue();
    assertThat(policy.distribute(BIG, Mode.LOCAL, workers)).isFalse();
    assertThat(policy.view().get().text()).contains("\"mode\":\"distributed\"");
  }

  @Test
  void badUpdatesAreRejectedByName() {
    MatmulPolicy policy = new MatmulPolicy();
    assertThatThrownBy(() -> put(policy, "{\"mode\":\"fast\"}"))
        .isInstanceOf(Failure.class)
        .hasMessageContaining("auto, local or distributed")
        .extracting(e -> ((Failure) e).code())
        .isEqualTo("invalid_mode");
    assertThatThrownBy(() -> put(policy, "{}"))
        .extracting(e -> ((Failure) e).field())
        .isEqualTo("mode");
    // Present but not a string: the value is wrong, not missing.
    for (String wrongType : List.of("1", "true", "[\"local\"]", "{}")) {
      assertThatThrownBy(() -> put(policy, "{\"mode\":" + wrongType + "}"))
          .as(wrongType)
          .isInstanceOf(Failure.class)
          .hasMessageContaining("mode must be")
          .extracting(e -> ((Failure) e).code(), e -> ((Failure) e).field())
          .containsExactly("invalid_mode", "mode");
    }
    assertThat(policy.view().get().text()).contains("\"mode\":\"auto\"");
  }

  private static void put(MatmulPolicy policy, String json) {
    policy.update().handle("application/json", json.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  private static MatmulRequest request(int m, int k, int n) {
    return new MatmulRequest(Matrix.F64.zeros(m, k), Matrix.F64.zeros(k, n));
  }
}
