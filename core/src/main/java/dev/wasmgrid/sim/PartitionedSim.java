package dev.wasmgrid.sim;

import java.util.Arrays;

/**
 * The fast engine: the world cut into vertical strips, each owned by a {@link SimPartition}. A tick
 * is three phases separated by barriers (the {@link PhaseRunner}): migrate (rows that crossed a
 * boundary, or whose strip moved, change owner), exchange ghosts, step. Every few ticks the
 * boundaries move so each strip holds about the same number of entities. Partitions talk only in
 * binary frames through {@link FrameExchange}s, so the result is the same bytes whatever the
 * partition count, the boundaries or the threads: tests compare its hash with {@link ReferenceSim}.
 */
public final class PartitionedSim implements Simulation {

  /** Ticks between load-balancing rounds unless told otherwise. */
  public static final int DEFAULT_REBALANCE_EVERY = 20;

  private final SimConfig config;
  private final SimPartition[] partitions;
  private final PhaseRunner runner;
  private final int rebalanceEvery;
  private final FrameExchange migrations;
  private final FrameExchange ghosts;
  private final long[] phaseNanos = new long[3];
  private StripLayout layout;
  private long tick;
  private int rebalances;

  /** The initial world of {@code config} on {@code partitions} even strips. */
  public PartitionedSim(SimConfig config, int partitions, PhaseRunner runner) {
    this(config, ReferenceSim.initial(config), partitions, DEFAULT_REBALANCE_EVERY, runner);
  }

  /**
   * The initial world of {@code config} on {@code partitions} even strips, whose neighbour sweeps
   * use {@code sweep}.
   */
  public PartitionedSim(
      SimConfig config, int partitions, PhaseRunner runner, NeighbourSweep sweep) {
    this(config, ReferenceSim.initial(config), partitions, DEFAULT_REBALANCE_EVERY, runner, sweep);
  }

  /**
   * A world with these entities.
   *
   * @param rebalanceEvery ticks between load-balancing rounds; 0 keeps the even strips
   * @throws IllegalArgumentException if the world cannot be cut into that many strips
   */
  public PartitionedSim(
      SimConfig config,
      EntityTable entities,
      int partitions,
      int rebalanceEvery,
      PhaseRunner runner) {
    this(config, entities, partitions, rebalanceEvery, runner, NeighbourSweep.scalar());
  }

  /**
   * A world with these entities, whose neighbour sweeps use {@code sweep} (the JVM passes a Vector
   * API one; the result is the same).
   *
   * @param rebalanceEvery ticks between load-balancing rounds; 0 keeps the even strips
   * @throws IllegalArgumentException if the world cannot be cut into that many strips
   */
  public PartitionedSim(
      SimConfig config,
      EntityTable entities,
      int partitions,
      int rebalanceEvery,
      PhaseRunner runner,
      NeighbourSweep sweep) {
    if (rebalanceEvery < 0) {
      throw new IllegalArgumentException("rebalanceEvery must be >= 0, got " + rebalanceEvery);
    }
    this.config = config;
    this.layout = StripLayout.even(config, partitions);
    this.runner = runner;
    this.rebalanceEvery = rebalanceEvery;
    this.partitions = new SimPartition[partitions];
    for (int p = 0; p < partitions; p++) {
      this.partitions[p] = new SimPartition(config, p, layout, sweep);
      this.partitions[p].seedFrom(entities);
    }
    this.migrations = new Mailboxes(partitions);
    this.ghosts = new Mailboxes(partitions);
  }

  @Override
  public void step() {
    int parts = partitions.length;
    if (parts > 1 && rebalanceEvery > 0 && tick % rebalanceEvery == 0) {
      rebalance();
    }
    StripLayout l = layout;
    long t = tick;
    long t0 = System.nanoTime();
    runner.run(parts, p -> post(migrations, p, partitions[p].emigrate(l, t)));
    long t1 = System.nanoTime();
    runner.run(
        parts,
        p -> {
          partitions[p].immigrate(migrations.receive(p), t);
          post(ghosts, p, partitions[p].ghosts(l, t));
        });
    long t2 = System.nanoTime();
    runner.run(
        parts,
        p -> {
          partitions[p].absorbGhosts(ghosts.receive(p), t);
          partitions[p].prepareStep(t);
        });
    // Perception is most of a step, and cut into small parts: a thread done with its own
    // partition's takes the others' last ones, so a core slowed by other work (or a strip with
    // more entities) delays the tick by a part, not by its whole share.
    runner.run(
        parts,
        p -> {
          for (int k = 0; k < parts; k++) {
            partitions[(p + k) % parts].perceive();
          }
        });
    runner.run(parts, p -> partitions[p].finishStep());
    long t3 = System.nanoTime();
    phaseNanos[0] += t1 - t0;
    phaseNanos[1] += t2 - t1;
    phaseNanos[2] += t3 - t2;
    tick++;
  }

  @Override
  public long tick() {
    return tick;
  }

  @Override
  public int population() {
    int n = 0;
    for (SimPartition p : partitions) {
      n += p.owned();
    }
    return n;
  }

  @Override
  public int predators() {
    int n = 0;
    for (SimPartition p : partitions) {
      n += p.ownedPredators();
    }
    return n;
  }

  @Override
  public long stateBytes() {
    long b = 0;
    for (SimPartition p : partitions) {
      b += p.bytes();
    }
    return b;
  }

  @Override
  public long stateHash() {
    return StateHash.of(tick, entities(), foodTimers());
  }

  /** Every owned entity, gathered from the partitions (a copy, in no particular order). */
  public EntityTable entities() {
    EntityTable all = new EntityTable(population());
    int[] ignored = new int[config.foods()];
    for (SimPartition p : partitions) {
      p.collect(all, ignored);
    }
    return all;
  }

  /**
   * Makes every food patch ready to eat now, between ticks: the viewer's "add food". The world
   * stays deterministic, but from here on it is another run than one without the call.
   */
  public void regrowFood() {
    for (SimPartition p : partitions) {
      p.regrowFood();
    }
  }

  /** Entities owned by each partition now. */
  public int[] ownedCounts() {
    int[] counts = new int[partitions.length];
    for (int p = 0; p < partitions.length; p++) {
      counts[p] = partitions[p].owned();
    }
    return counts;
  }

  /** The strips now. */
  public StripLayout layout() {
    return layout;
  }

  /** Load-balancing rounds that moved a boundary. */
  public int rebalances() {
    return rebalances;
  }

  /**
   * Wall time spent so far in each phase, summed over ticks: migrate, ghosts, step (nanoseconds; a
   * copy).
   */
  public long[] phaseNanos() {
    return phaseNanos.clone();
  }

  /**
   * Time spent so far inside the step phase, summed over partitions (so roughly CPU time): grid
   * build, perceive + steer + contacts, conflicts, life. Nanoseconds.
   */
  public long[] stepPartNanos() {
    long[] parts = new long[4];
    for (SimPartition p : partitions) {
      p.addStepNanos(parts);
    }
    return parts;
  }

  @Override
  public void close() {
    runner.close();
  }

  private int[] foodTimers() {
    int[] timers = new int[config.foods()];
    EntityTable ignored = new EntityTable(0);
    for (SimPartition p : partitions) {
      p.collect(ignored, timers);
      ignored.clear();
    }
    return timers;
  }

  private void rebalance() {
    long[] costs = new long[config.columns()];
    for (SimPartition p : partitions) {
      p.addColumnCosts(costs);
    }
    int[] bounds = LoadBalancer.balance(costs, partitions.length, SimConfig.minStripColumns());
    if (!Arrays.equals(bounds, layout.bounds())) {
      layout = StripLayout.of(config, bounds);
      rebalances++;
    }
  }

  private static void post(FrameExchange exchange, int from, byte[][] frames) {
    for (int to = 0; to < frames.length; to++) {
      if (frames[to] != null) {
        exchange.send(from, to, frames[to]);
      }
    }
  }
}
