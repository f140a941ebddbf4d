package dev.wasmgrid.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Partitions driven one phase at a time from outside, as a worker hosts them: the same world as
 * {@link PartitionedSim}, checkpoints that restore it exactly, and phases refused out of order.
 */
class SimHostedPartitionTest {

  private static final SimConfig CONFIG = SimConfig.of(400, 17).clusteredStart();

  @Test
  void drivenPhaseByPhaseMatchesThePartitionedEngine() {
    int ticks = 45;
    for (int parts = 1; parts <= 3; parts++) {
      long expected;
      try (PartitionedSim sim =
          new PartitionedSim(
              CONFIG, ReferenceSim.initial(CONFIG), parts, 20, PhaseRunner.SEQUENTIAL)) {
        for (int t = 0; t < ticks; t++) {
          sim.step();
        }
        expected = sim.stateHash();
      }
      HostedPartition[] hosted = start(parts);
      int[] bounds = StripLayout.even(CONFIG, parts).bounds();
      for (int t = 0; t < ticks; t++) {
        bounds = tick(hosted, bounds, 20);
      }
      assertThat(StateHash.hex(hash(hosted)))
          .as("%d partitions", parts)
          .isEqualTo(StateHash.hex(expected));
    }
  }

  @Test
  void aRestoredCheckpointReplaysToTheSameWorld() {
    HostedPartition[] hosted = start(2);
    int[] bounds = StripLayout.even(CONFIG, 2).bounds();
    for (int t = 0; t < 13; t++) {
      bounds = tick(hosted, bounds, 5);
    }
    int[] savedBounds = bounds;
    List<byte[]> saved = checkpoints(hosted);
    for (int t = 0; t < 17; t++) {
      bounds = tick(hosted, bounds, 5);
    }
    long straight = hash(hosted);

    HostedPartition[] restored = new HostedPartition[2];
    for (int p = 0; p < 2; p++) {
      restored[p] = HostedPartition.restore(CONFIG, p, savedBounds, saved.get(p));
      assertThat(restored[p].tick()).isEqualTo(13);
    }
    bounds = savedBounds;
    for (int t = 0; t < 17; t++) {
      bounds = tick(restored, bounds, 5);
    }
    assertThat(StateHash.hex(hash(restored))).isEqualTo(StateHash.hex(straight));
    assertThat(hash(restored)).isNotEqualTo(HostedPartition.stateHash(CONFIG, saved));
  }

  @Test
  void phasesOutOfOrderAreRefused() {
    HostedPartition p = HostedPartition.initial(CONFIG, 0, StripLayout.even(CONFIG, 1).bounds());
    assertThatThrownBy(() -> p.step(List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("tick 0 expects its migrate phase, not step");
    p.migrate(StripLayout.even(CONFIG, 1).bounds());
    assertThatThrownBy(p::checkpoint).hasMessageContaining("between ticks");
    assertThatThrownBy(() -> p.migrate(StripLayout.even(CONFIG, 1).bounds()))
        .hasMessageContaining("expects its ghosts phase");
  }

  @Test
  void badInputIsNamed() {
    int[] one = StripLayout.even(CONFIG, 1).bounds();
    assertThatThrownBy(() -> HostedPartition.initial(CONFIG, 2, one))
        .hasMessageContaining("partition index must be in [0, 1), got 2");
    assertThatThrownBy(() -> HostedPartition.initial(CONFIG, 0, new int[] {0, 1}))
        .hasMessageContaining("bounds must run from 0 to");
    assertThatThrownBy(() -> HostedPartition.restore(CONFIG, 0, one, new byte[5]))
        .hasMessageContaining("sim frame truncated");
    HostedPartition p = HostedPartition.initial(CONFIG, 0, one);
    byte[] ghost =
        FrameCodec.encode(FrameCodec.GHOST, 0, new EntityTable(0), new int[0], 0, null, null, 0);
    assertThatThrownBy(() -> HostedPartition.restore(CONFIG, 0, one, ghost))
        .hasMessageContaining("a checkpoint is a MIGRATE frame");
    p.migrate(one);
    assertThatThrownBy(() -> p.ghosts(List.of(ghost)))
        .hasMessageContaining("expected a frame of kind 1 for tick 0");
  }

  private static HostedPartition[] start(int parts) {
    int[] bounds = StripLayout.even(CONFIG, parts).bounds();
    HostedPartition[] hosted = new HostedPartition[parts];
    for (int p = 0; p < parts; p++) {
      hosted[p] = HostedPartition.initial(CONFIG, p, bounds);
    }
    return hosted;
  }

  /** One tick with the driver's rule: rebalance every {@code every} ticks, then three phases. */
  private static int[] tick(HostedPartition[] hosted, int[] bounds, int every) {
    int parts = hosted.length;
    if (parts > 1 && hosted[0].tick() % every == 0) {
      long[] costs = new long[CONFIG.columns()];
      for (HostedPartition p : hosted) {
        long[] c = p.columnCosts();
        for (int i = 0; i < costs.length; i++) {
          costs[i] += c[i];
        }
      }
      bounds = HostedPartition.balance(CONFIG, costs, parts);
    }
    List<List<byte[]>> inbox = inboxes(parts);
    for (HostedPartition p : hosted) {
      deliver(inbox, p.migrate(bounds));
    }
    List<List<byte[]>> ghosts = inboxes(parts);
    for (int p = 0; p < parts; p++) {
      deliver(ghosts, hosted[p].ghosts(inbox.get(p)));
    }
    for (int p = 0; p < parts; p++) {
      hosted[p].step(ghosts.get(p));
    }
    return bounds;
  }

  private static List<List<byte[]>> inboxes(int parts) {
    List<List<byte[]>> inbox = new ArrayList<>();
    for (int p = 0; p < parts; p++) {
      inbox.add(new ArrayList<>());
    }
    return inbox;
  }

  private static void deliver(List<List<byte[]>> inbox, byte[][] frames) {
    for (int to = 0; to < frames.length; to++) {
      if (frames[to] != null) {
        inbox.get(to).add(frames[to]);
      }
    }
  }

  private static List<byte[]> checkpoints(HostedPartition[] hosted) {
    List<byte[]> all = new ArrayList<>();
    for (HostedPartition p : hosted) {
      all.add(p.checkpoint());
    }
    return all;
  }

  private static long hash(HostedPartition[] hosted) {
    return HostedPartition.stateHash(CONFIG, checkpoints(hosted));
  }
}
