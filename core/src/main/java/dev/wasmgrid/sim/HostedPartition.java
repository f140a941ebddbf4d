package dev.wasmgrid.sim;

import java.util.List;
import java.util.Locale;

/**
 * One partition on its own, driven phase by phase from outside with binary frames: what a worker
 * process (or a browser worker) hosts while a driver elsewhere runs the tick protocol of {@link
 * PartitionedSim} — migrate, ghosts, step, each followed by a barrier the driver keeps. The phases
 * must come in that order for consecutive ticks; anything else is refused, so a lost or repeated
 * request cannot silently fork the world.
 */
public final class HostedPartition {

  private enum Phase {
    MIGRATE,
    GHOSTS,
    STEP
  }

  private final SimConfig config;
  private final int index;
  private final SimPartition partition;
  private long tick;
  private Phase expected = Phase.MIGRATE;

  private HostedPartition(
      SimConfig config, int index, StripLayout layout, long tick, NeighbourSweep sweep) {
    if (index < 0 || index >= layout.partitions()) {
      throw new IllegalArgumentException(
          "partition index must be in [0, " + layout.partitions() + "), got " + index);
    }
    this.config = config;
    this.index = index;
    this.partition = new SimPartition(config, index, layout, sweep);
    this.tick = tick;
  }

  /**
   * Strip {@code index} of {@code config}'s initial world, at tick 0.
   *
   * @throws IllegalArgumentException for bad bounds or index
   */
  public static HostedPartition initial(SimConfig config, int index, int[] bounds) {
    return initial(config, index, bounds, NeighbourSweep.scalar());
  }

  /** {@link #initial(SimConfig, int, int[])} sweeping neighbours with {@code sweep}. */
  public static HostedPartition initial(
      SimConfig config, int index, int[] bounds, NeighbourSweep sweep) {
    HostedPartition p =
        new HostedPartition(config, index, StripLayout.of(config, bounds), 0, sweep);
    p.partition.seedFrom(ReferenceSim.initial(config));
    return p;
  }

  /**
   * Strip {@code index} restored from a {@link #checkpoint()} taken under {@code bounds}; its tick
   * is the checkpoint's.
   *
   * @throws IllegalArgumentException for bad bounds, index or checkpoint bytes
   */
  public static HostedPartition restore(
      SimConfig config, int index, int[] bounds, byte[] checkpoint) {
    return restore(config, index, bounds, checkpoint, NeighbourSweep.scalar());
  }

  /** {@link #restore(SimConfig, int, int[], byte[])} sweeping neighbours with {@code sweep}. */
  public static HostedPartition restore(
      SimConfig config, int index, int[] bounds, byte[] checkpoint, NeighbourSweep sweep) {
    SimFrame frame = FrameCodec.decode(checkpoint);
    if (frame.kind() != FrameCodec.MIGRATE) {
      throw new IllegalArgumentException(
          "a checkpoint is a MIGRATE frame, got kind " + frame.kind());
    }
    if (frame.tick() < 0) {
      throw new IllegalArgumentException("checkpoint tick must be >= 0, got " + frame.tick());
    }
    HostedPartition p =
        new HostedPartition(config, index, StripLayout.of(config, bounds), frame.tick(), sweep);
    p.partition.immigrate(List.of(checkpoint), frame.tick());
    return p;
  }

  /**
   * The strip boundaries a driver should use next, given the column costs summed over all
   * partitions ({@link #columnCosts()}): the same rule {@link PartitionedSim} applies.
   */
  public static int[] balance(SimConfig config, long[] columnCosts, int partitions) {
    if (columnCosts.length != config.columns()) {
      throw new IllegalArgumentException(
          "column costs must have " + config.columns() + " entries, got " + columnCosts.length);
    }
    StripLayout.checkPartitions(config, partitions);
    return LoadBalancer.balance(columnCosts, partitions, SimConfig.minStripColumns());
  }

  /**
   * {@link StateHash} of the world made of these checkpoints, one per partition, all of one tick.
   *
   * @throws IllegalArgumentException if they disagree on the tick or are not checkpoints
   */
  public static long stateHash(SimConfig config, List<byte[]> checkpoints) {
    EntityTable all = new EntityTable(config.entities());
    int[] timers = new int[config.foods()];
    long tick = -1;
    for (byte[] bytes : checkpoints) {
      SimFrame frame = FrameCodec.decode(bytes);
      if (frame.kind() != FrameCodec.MIGRATE || (tick >= 0 && frame.tick() != tick)) {
        throw new IllegalArgumentException(
            "checkpoints must be MIGRATE frames of one tick, got kind "
                + frame.kind()
                + " at tick "
                + frame.tick());
      }
      tick = frame.tick();
      EntityTable rows = frame.entities();
      for (int i = 0; i < rows.count(); i++) {
        all.appendRow(rows, i);
      }
      int[] index = frame.foodIndex();
      for (int k = 0; k < index.length; k++) {
        if (index[k] < 0 || index[k] >= timers.length) {
          throw new IllegalArgumentException(
              "food index must be in [0, " + timers.length + "), got " + index[k]);
        }
        timers[index[k]] = frame.foodTimer()[k];
      }
    }
    return StateHash.of(Math.max(tick, 0), all, timers);
  }

  /** Predators among the rows of a checkpoint. */
  public static int predatorsIn(byte[] checkpoint) {
    EntityTable rows = FrameCodec.decode(checkpoint).entities();
    int n = 0;
    for (int i = 0; i < rows.count(); i++) {
      n += rows.species[i];
    }
    return n;
  }

  /** The world this partition belongs to. */
  public SimConfig config() {
    return config;
  }

  /** Which strip it owns. */
  public int index() {
    return index;
  }

  /** The tick its next phase belongs to. */
  public long tick() {
    return tick;
  }

  /** Entities it owns now. */
  public int owned() {
    return partition.owned();
  }

  /**
   * Phase 1 of tick {@link #tick()}: takes the strips {@code bounds} and returns the rows (and food
   * timers) now owned by others, one frame per partition ({@code null} for this one).
   */
  public byte[][] migrate(int[] bounds) {
    expect(Phase.MIGRATE);
    StripLayout layout = StripLayout.of(config, bounds);
    if (layout.partitions() <= index) {
      throw new IllegalArgumentException(
          "bounds name " + layout.partitions() + " strips, this is strip " + index);
    }
    byte[][] frames = partition.emigrate(layout, tick);
    expected = Phase.GHOSTS;
    return frames;
  }

  /**
   * Phase 2: adopts the migration frames sent to this partition (ordered by sender) and returns its
   * ghost frames, one per partition ({@code null} for this one).
   */
  public byte[][] ghosts(List<byte[]> migrants) {
    expect(Phase.GHOSTS);
    partition.immigrate(migrants, tick);
    byte[][] frames = partition.ghosts(partition.layout(), tick);
    expected = Phase.STEP;
    return frames;
  }

  /** Phase 3: takes the ghost frames sent to this partition and steps; the tick advances. */
  public void step(List<byte[]> ghosts) {
    expect(Phase.STEP);
    partition.absorbGhosts(ghosts, tick);
    partition.step(tick);
    tick++;
    expected = Phase.MIGRATE;
  }

  /** Everything it owns at {@link #tick()}, for {@link #restore} (between ticks only). */
  public byte[] checkpoint() {
    requireBetweenTicks("a checkpoint");
    return partition.checkpoint(tick);
  }

  /** Makes every owned food patch ready to eat now, as {@link PartitionedSim#regrowFood} does. */
  public void regrowFood() {
    requireBetweenTicks("adding food");
    partition.regrowFood();
  }

  /** Owned entities per grid column, the load balancer's measure (between ticks only). */
  public long[] columnCosts() {
    requireBetweenTicks("column costs");
    long[] costs = new long[config.columns()];
    partition.addColumnCosts(costs);
    return costs;
  }

  private void requireBetweenTicks(String what) {
    if (expected != Phase.MIGRATE) {
      throw new IllegalStateException(
          what
              + " is taken between ticks, but tick "
              + tick
              + " is in its "
              + phaseName()
              + " phase");
    }
  }

  private void expect(Phase phase) {
    if (expected != phase) {
      throw new IllegalStateException(
          "tick " + tick + " expects its " + phaseName() + " phase, not " + name(phase));
    }
  }

  private String phaseName() {
    return name(expected);
  }

  private static String name(Phase phase) {
    return phase.name().toLowerCase(Locale.ROOT);
  }
}
