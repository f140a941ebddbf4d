package dev.wasmgrid.grid.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The join registry's bookkeeping, on a hand-driven clock. */
class JoinRegistryTest {
  static final URI WORKER = URI.create("http://127.0.0.1:8081");

  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  final JoinRegistry registry = new JoinRegistry(Duration.ofSeconds(9), now::get);

  @Test
  void beatsAreJoinsHeartbeatsOrRestarts() {
    assertThat(registry.beat(WORKER, "a")).isEqualTo(JoinRegistry.Beat.JOINED);
    assertThat(registry.beat(WORKER, "a")).isEqualTo(JoinRegistry.Beat.REFRESHED);
    assertThat(registry.beat(WORKER, "b")).isEqualTo(JoinRegistry.Beat.RESTARTED);
    assertThat(registry.beat(WORKER, "b")).isEqualTo(JoinRegistry.Beat.REFRESHED);
  }

  @Test
  void aWorkerIsDroppedOnlyAfterTheTimeoutWithoutHeartbeats() {
    registry.beat(WORKER, "a");
    advance(Duration.ofSeconds(8));
    registry.beat(WORKER, "a");
    advance(Duration.ofSeconds(9));
    assertThat(registry.discover()).containsExactly(WORKER);
    advance(Duration.ofMillis(1));
    assertThat(registry.discover()).isEmpty();
    // Beating again after the drop is a fresh join.
    assertThat(registry.beat(WORKER, "a")).isEqualTo(JoinRegistry.Beat.JOINED);
  }

  private void advance(Duration by) {
    now.set(now.get().plus(by));
  }
}
