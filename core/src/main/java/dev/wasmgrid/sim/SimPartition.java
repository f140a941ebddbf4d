package dev.wasmgrid.sim;

import java.util.Arrays;
import java.util.List;

/**
 * One strip of the world: the entities and food it owns, plus read-only ghost copies of whatever
 * lies within {@link WorldRules#GHOST} of it. Rows {@code 0 .. owned - 1} of the table are owned,
 * the rest are ghosts for the current tick. All it says to other partitions goes through binary
 * frames ({@link FrameCodec}), so the same class can run on a thread, in a worker process or in a
 * browser worker.
 */
final class SimPartition {

  private final int index;
  private final long seed;
  private final Torus torus;
  private final FoodField food;
  private final SpatialGrid grid;
  private final SpatialGrid foodGrid;
  private final StepScratch scratch = new StepScratch();

  /** The rows of the frame being read, before they are copied into the table. */
  private final EntityTable incoming = new EntityTable(1024);

  private final TickStepper stepper;

  private EntityTable current = new EntityTable(1024);
  private EntityTable next = new EntityTable(1024);
  private int owned;
  private StripLayout layout;
  private int[] ownedFood = new int[0];
  private int ownedFoodCount;

  /** The owned patches in each other strip's ghost band under {@link #bandLayout}. */
  private int[][] bandFood = new int[0][];

  private StripLayout bandLayout;

  /** Partition {@code index} of {@code layout}, sweeping neighbours in plain Java. */
  SimPartition(SimConfig config, int index, StripLayout layout) {
    this(config, index, layout, NeighbourSweep.scalar());
  }

  SimPartition(SimConfig config, int index, StripLayout layout, NeighbourSweep sweep) {
    this.index = index;
    this.seed = config.seed();
    this.torus = new Torus(config.width(), config.height());
    this.food = new FoodField(config);
    int columns = config.columns();
    int rows = config.height() / (int) WorldRules.CELL;
    this.grid = new SpatialGrid(columns, rows, WorldRules.CELL);
    this.foodGrid = new SpatialGrid(columns, rows, WorldRules.CELL);
    foodGrid.build(food.x, food.y, food.count());
    this.stepper = new TickStepper(torus, food, grid, foodGrid, scratch, sweep);
    setStrip(layout);
  }

  /** Takes the rows of {@code all} that lie in this strip (the initial population). */
  void seedFrom(EntityTable all) {
    for (int i = 0; i < all.count(); i++) {
      if (layout.ownerOf(all.x[i]) == index) {
        current.appendRow(all, i);
      }
    }
    owned = current.count();
  }

  /**
   * Hands over, under the new {@code layout}, every owned entity that now lies in another strip,
   * and the timers of food patches that changed owner: one {@link FrameCodec#MIGRATE} frame per
   * partition ({@code null} for this one). Afterwards this partition owns its new strip.
   */
  byte[][] emigrate(StripLayout layout, long tick) {
    int parts = layout.partitions();
    boolean moved = !layout.equals(this.layout);
    current.truncate(owned);
    int[] owner = scratch.ints(0, owned);
    boolean[] keep = scratch.keep(owned);
    // Leavers are a few dozen of tens of thousands: the frames pick among them only.
    int[] leavers = scratch.ints(StepScratch.LEAVERS, owned);
    int left = 0;
    for (int i = 0; i < owned; i++) {
      owner[i] = layout.ownerOf(current.x[i], index);
      keep[i] = owner[i] == index;
      leavers[left] = i;
      left += keep[i] ? 0 : 1;
    }
    // Food never moves: it changes owner only when a boundary does.
    int foodRows = moved ? ownedFoodCount : 0;
    int[] foodOwner = scratch.ints(1, foodRows);
    for (int k = 0; k < foodRows; k++) {
      foodOwner[k] = layout.ownerOf(food.x[ownedFood[k]], index);
    }
    byte[][] frames = new byte[parts][];
    for (int p = 0; p < parts; p++) {
      if (p != index) {
        frames[p] = migrationFrame(tick, owner, leavers, left, p, foodOwner, foodRows);
      }
    }
    current.retainUnordered(keep);
    owned = current.count();
    if (moved) {
      setStrip(layout);
    }
    return frames;
  }

  /** Adopts the rows and food timers of {@link FrameCodec#MIGRATE} frames sent to it. */
  void immigrate(List<byte[]> frames, long tick) {
    current.truncate(owned);
    for (byte[] bytes : frames) {
      SimFrame frame = decode(bytes, FrameCodec.MIGRATE, tick);
      EntityTable rows = frame.entities();
      for (int i = 0; i < rows.count(); i++) {
        current.appendRow(rows, i);
      }
      applyFood(frame);
    }
    owned = current.count();
  }

  /**
   * Copies of the owned rows and food timers within one ghost width of each other strip: one {@link
   * FrameCodec#GHOST} frame per partition ({@code null} for this one).
   */
  byte[][] ghosts(StripLayout layout, long tick) {
    int parts = layout.partitions();
    if (!layout.equals(bandLayout)) {
      findBandFood(layout);
    }
    byte[][] frames = new byte[parts][];
    int[] picked = scratch.ints(2, owned);
    for (int p = 0; p < parts; p++) {
      if (p == index) {
        continue;
      }
      float lo = layout.left(p) - WorldRules.GHOST;
      float span = layout.width(p) + 2 * WorldRules.GHOST;
      int n = 0;
      for (int i = 0; i < owned; i++) {
        picked[n] = i;
        n += torus.inStrip(current.x[i], lo, span) ? 1 : 0;
      }
      int[] patches = bandFood[p];
      frames[p] =
          FrameCodec.encode(
              FrameCodec.GHOST,
              tick,
              current,
              picked,
              n,
              patches,
              timersOf(patches, patches.length),
              patches.length);
    }
    return frames;
  }

  /**
   * The owned patches within one ghost width of each other strip: food never moves, so they change
   * only with the layout, and a tick reads only their timers.
   */
  private void findBandFood(StripLayout layout) {
    int parts = layout.partitions();
    bandFood = new int[parts][];
    int[] inBand = scratch.ints(1, ownedFoodCount);
    for (int p = 0; p < parts; p++) {
      float lo = layout.left(p) - WorldRules.GHOST;
      float span = layout.width(p) + 2 * WorldRules.GHOST;
      int m = 0;
      for (int k = 0; k < ownedFoodCount && p != index; k++) {
        inBand[m] = ownedFood[k];
        m += torus.inStrip(food.x[ownedFood[k]], lo, span) ? 1 : 0;
      }
      bandFood[p] = Arrays.copyOf(inBand, m);
    }
    bandLayout = layout;
  }

  /** Replaces last tick's ghosts with those of {@link FrameCodec#GHOST} frames sent to it. */
  void absorbGhosts(List<byte[]> frames, long tick) {
    current.truncate(owned);
    for (byte[] bytes : frames) {
      SimFrame frame = decode(bytes, FrameCodec.GHOST, tick);
      EntityTable rows = frame.entities();
      for (int i = 0; i < rows.count(); i++) {
        current.appendRow(rows, i);
      }
      applyFood(frame);
    }
  }

  /** Makes every owned food patch ready to eat now (between ticks). */
  void regrowFood() {
    for (int k = 0; k < ownedFoodCount; k++) {
      food.timer[ownedFood[k]] = 0;
    }
  }

  /** Advances the owned entities and food by one tick; ghosts are dropped. */
  void step(long tick) {
    prepareStep(tick);
    perceive();
    finishStep();
  }

  /**
   * The first part of {@link #step}: the grids of this tick. Then {@link #perceive}, on as many
   * threads as help, and {@link #finishStep}.
   */
  void prepareStep(long tick) {
    stepper.prepare(seed, tick, current, owned);
  }

  /**
   * Perceives parts of the prepared step until none is left; any thread may call it, several at
   * once (see {@link TickStepper#perceive}).
   */
  void perceive() {
    stepper.perceive();
  }

  /** The rest of {@link #step}, once every {@link #perceive} has returned. */
  void finishStep() {
    next.clear();
    stepper.finish(next, ownedFood, ownedFoodCount);
    EntityTable t = current;
    current = next;
    next = t;
    owned = current.count();
  }

  /**
   * Everything this partition owns, as one {@link FrameCodec#MIGRATE} frame of {@code tick}: its
   * rows in table order and its food timers. Adopting the frame ({@link #immigrate}) into a fresh
   * partition of the same strip rebuilds this state exactly (ghosts and grids are rebuilt every
   * tick).
   */
  byte[] checkpoint(long tick) {
    current.truncate(owned);
    int[] rows = scratch.ints(2, owned);
    for (int i = 0; i < owned; i++) {
      rows[i] = i;
    }
    return FrameCodec.encode(
        FrameCodec.MIGRATE,
        tick,
        current,
        rows,
        owned,
        ownedFood,
        timersOf(ownedFood, ownedFoodCount),
        ownedFoodCount);
  }

  /** The timers of patches {@code patches[0 .. count - 1]}, in a scratch array. */
  private int[] timersOf(int[] patches, int count) {
    int[] timers = scratch.ints(4, count);
    for (int k = 0; k < count; k++) {
      timers[k] = food.timer[patches[k]];
    }
    return timers;
  }

  /** Adds this partition's time per step part (see {@link TickStepper#addNanos}). */
  void addStepNanos(long[] into) {
    stepper.addNanos(into);
  }

  /** Owned entities per grid column: the cost the load balancer evens out. */
  void addColumnCosts(long[] costs) {
    for (int i = 0; i < owned; i++) {
      costs[grid.column(current.x[i])]++;
    }
  }

  /**
   * Appends the owned rows to {@code into} and writes the owned food timers into {@code timers}.
   */
  void collect(EntityTable into, int[] timers) {
    for (int i = 0; i < owned; i++) {
      into.appendRow(current, i);
    }
    for (int k = 0; k < ownedFoodCount; k++) {
      timers[ownedFood[k]] = food.timer[ownedFood[k]];
    }
  }

  StripLayout layout() {
    return layout;
  }

  int owned() {
    return owned;
  }

  int ownedPredators() {
    int p = 0;
    for (int i = 0; i < owned; i++) {
      p += current.species[i];
    }
    return p;
  }

  long bytes() {
    return current.bytes()
        + next.bytes()
        + food.bytes()
        + grid.bytes()
        + foodGrid.bytes()
        + 4L * ownedFood.length
        + 4L * Arrays.stream(bandFood).mapToLong(a -> a.length).sum()
        + incoming.bytes()
        + scratch.bytes()
        + stepper.bytes();
  }

  /**
   * A {@link FrameCodec#MIGRATE} frame of the rows among {@code rows[0 .. rowCount - 1]} and the
   * owned patches whose target is partition {@code p}.
   */
  private byte[] migrationFrame(
      long tick, int[] target, int[] rows, int rowCount, int p, int[] foodTarget, int foodRows) {
    int[] picked = scratch.ints(2, rowCount);
    int n = 0;
    for (int r = 0; r < rowCount; r++) {
      if (target[rows[r]] == p) {
        picked[n++] = rows[r];
      }
    }
    int[] foodIndex = scratch.ints(3, foodRows);
    int[] foodTimer = scratch.ints(4, foodRows);
    int m = 0;
    for (int k = 0; k < foodRows; k++) {
      if (foodTarget[k] == p) {
        foodIndex[m] = ownedFood[k];
        foodTimer[m++] = food.timer[ownedFood[k]];
      }
    }
    return FrameCodec.encode(FrameCodec.MIGRATE, tick, current, picked, n, foodIndex, foodTimer, m);
  }

  private SimFrame decode(byte[] bytes, int kind, long tick) {
    SimFrame frame = FrameCodec.decode(bytes, incoming);
    if (frame.kind() != kind || frame.tick() != tick) {
      throw new IllegalStateException(
          "partition "
              + index
              + " expected a frame of kind "
              + kind
              + " for tick "
              + tick
              + ", got kind "
              + frame.kind()
              + " for tick "
              + frame.tick());
    }
    return frame;
  }

  private void applyFood(SimFrame frame) {
    int[] idx = frame.foodIndex();
    int[] timers = frame.foodTimer();
    for (int k = 0; k < idx.length; k++) {
      if (idx[k] < 0 || idx[k] >= food.count()) {
        throw new IllegalArgumentException(
            "food index must be in [0, " + food.count() + "), got " + idx[k]);
      }
      food.timer[idx[k]] = timers[k];
    }
  }

  private void setStrip(StripLayout newLayout) {
    layout = newLayout;
    bandLayout = null;
    // Sized for every patch once, so that moving a boundary allocates nothing.
    if (ownedFood.length < food.count()) {
      ownedFood = new int[food.count()];
    }
    int n = 0;
    for (int f = 0; f < food.count(); f++) {
      if (newLayout.ownerOf(food.x[f], index) == index) {
        ownedFood[n++] = f;
      }
    }
    ownedFoodCount = n;
  }
}
