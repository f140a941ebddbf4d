package dev.wasmgrid.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.coordinator.MatmulPolicy.Mode;
import dev.wasmgrid.http.ApiError;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MatmulPolicyTest {
  static final double BIG = 2.0 * 2048 * 2048 * 2048;

  @Test
  void autoTriesEachWayThenKeepsTheFasterOne() {
    MatmulPolicy policy = new MatmulPolicy();
    assertThat(policy.distribute(MatmulPolicy.DISTRIBUTE_MIN_FLOPS / 2, Mode.AUTO)).isFalse();
    assertThat(policy.distribute(BIG, Mode.AUTO)).as("distributed not measured yet").isTrue();
    policy.recordDistributed(BIG, 1_000_000_000L); // 17 GFLOP/s
    assertThat(policy.distribute(BIG, Mode.AUTO)).as("local not measured yet").isFalse();
    policy.recordLocal(BIG, 250_000_000L); // 69 GFLOP/s
    assertThat(policy.distribute(BIG, Mode.AUTO)).isFalse();
    for (int i = 0; i < 20; i++) {
      policy.recordDistributed(BIG, 100_000_000L); // 172 GFLOP/s: more workers came
    }
    assertThat(policy.distribute(BIG, Mode.AUTO)).isTrue();
  }

  @Test
  void theModeAndPerRequestOverridesWin() {
    MatmulPolicy policy = new MatmulPolicy();
    policy.recordDistributed(BIG, 1_000_000_000L);
    policy.recordLocal(BIG, 100_000_000L);
    assertThat(policy.distribute(BIG, Mode.DISTRIBUTED)).isTrue();
    put(policy, "{\"mode\":\"distributed\"}");
    assertThat(policy.distribute(1, Mode.AUTO)).isTrue();
    assertThat(policy.distribute(BIG, Mode.LOCAL)).isFalse();
    assertThat(policy.view().get().text()).contains("\"mode\":\"distributed\"");
  }

  @Test
  void badUpdatesAreRejectedByName() {
    MatmulPolicy policy = new MatmulPolicy();
    assertThatThrownBy(() -> put(policy, "{\"mode\":\"fast\"}"))
        .isInstanceOf(ApiError.class)
        .hasMessageContaining("auto, local or distributed")
        .extracting(e -> ((ApiError) e).code())
        .isEqualTo("invalid_mode");
    assertThatThrownBy(() -> put(policy, "{}"))
        .extracting(e -> ((ApiError) e).field())
        .isEqualTo("mode");
    assertThat(policy.view().get().text()).contains("\"mode\":\"auto\"");
  }

  private static void put(MatmulPolicy policy, String json) {
    policy.update().handle("application/json", json.getBytes(StandardCharsets.UTF_8));
  }
}
