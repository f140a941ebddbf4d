package dev.wasmgrid.sim;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fast tick of one partition: rebuild the grid, copy the rows' neighbour columns in cell order
 * ({@link Neighbours}), decide every contact (who bites whom, who grazes where) for owned and ghost
 * rows, settle conflicts by lowest id, then steer and live each owned row. Neighbours come from the
 * grid cells that the square around a row's view radius overlaps instead of the whole world, one
 * contiguous run of slots per grid row, walked by the {@link NeighbourSweep}; the answers equal
 * {@link ReferenceSim}'s because every candidate within the radius is offered and the per-entity
 * rules are order-independent.
 */
final class TickStepper {

  private static final int BITE = 5;
  private static final int GRAZE = 6;
  private static final int KILLER = 7;
  private static final int CROWD = 8;

  private final Torus torus;
  private final FoodField food;
  private final SpatialGrid grid;
  private final SpatialGrid foodGrid;
  private final StepScratch scratch;
  private final NeighbourSweep sweep;
  private final Perception perception;
  private final Neighbours neighbours = new Neighbours();

  /** Cells of the current query ({@link SpatialGrid#window}). */
  private final int[] window = new int[4];

  private final long[] nanos = new long[4];

  /** Time in {@link #perceive}, whichever threads ran it. */
  private final AtomicLong perceiveNanos = new AtomicLong();

  /** The step between {@link #prepare} and {@link #finish}, and its perception's parts. */
  private OwnedStep step;

  private PerceptionParts parts;

  /** Parts of {@link #parts} taken so far (by any thread). */
  private final AtomicInteger claimed = new AtomicInteger();

  /** Item runs of the current query. */
  private final int[] around;

  /** Winning grazer (row) per food patch, -1 when none; reset after every tick. */
  private final int[] eater;

  TickStepper(
      Torus torus,
      FoodField food,
      SpatialGrid grid,
      SpatialGrid foodGrid,
      StepScratch scratch,
      NeighbourSweep sweep) {
    this.torus = torus;
    this.food = food;
    this.grid = grid;
    this.foodGrid = foodGrid;
    this.scratch = scratch;
    this.sweep = sweep;
    this.perception = new Perception(torus, sweep);
    // Food is numbered in cell order (FoodField), so the food grid's item runs are patch ranges.
    for (int k = 0; k < food.count(); k++) {
      if (foodGrid.items[k] != k) {
        throw new IllegalStateException("food patches must be numbered in grid-cell order");
      }
    }
    this.around = new int[grid.maxRuns(Math.max(WorldRules.MAX_VIEW, WorldRules.MAX_CONTACT))];
    this.eater = new int[food.count()];
    java.util.Arrays.fill(eater, -1);
  }

  /**
   * Readies a step of {@code t}, whose rows {@code 0 .. owned - 1} are owned and the rest ghosts
   * (seen, never advanced): builds the grid and the cell-sorted neighbour columns. Then {@link
   * #perceive} (on one thread or several) and {@link #finish}.
   */
  void prepare(long seed, long tick, EntityTable t, int owned) {
    long t0 = System.nanoTime();
    int n = t.count();
    grid.build(t.x, t.y, n);
    int[] items = grid.items;
    neighbours.gather(t, items, n);
    step =
        new OwnedStep(
            seed,
            tick,
            t,
            owned,
            n,
            items,
            grid,
            foodGrid,
            neighbours,
            food,
            torus,
            scratch.floats(0, n),
            scratch.floats(1, n),
            scratch.ints(CROWD, n),
            scratch.ints(BITE, n),
            scratch.ints(GRAZE, n),
            scratch.ints(KILLER, n),
            eater,
            scratch);
    // Owned rows perceive, steer and pick their contacts in one sweep over their neighbours, in
    // parts where the sweep cuts them, else row by row as one part.
    parts = sweep.perceiveOwned(step);
    if (parts == null) {
      OwnedStep s = step;
      parts = new PerceptionParts(1, part -> perceiveRows(s));
    }
    claimed.set(0);
    nanos[0] += System.nanoTime() - t0;
  }

  /**
   * Runs parts of the prepared step's perception until none is left unclaimed. Several threads may
   * call it at once, each taking whole parts; all must have returned before {@link #finish}.
   */
  void perceive() {
    PerceptionParts p = parts;
    for (int k = claimed.getAndIncrement(); k < p.count(); k = claimed.getAndIncrement()) {
      long t0 = System.nanoTime();
      p.part().accept(k);
      perceiveNanos.addAndGet(System.nanoTime() - t0);
    }
  }

  /**
   * Ends the prepared step: appends the successors of the owned rows to {@code next} and advances
   * the owned food patches. Owned rows are stepped in grid-cell order, so {@code next} comes out
   * sorted by cell and the next tick's neighbour reads stay close in memory.
   */
  void finish(EntityTable next, int[] ownedFood, int ownedFoodCount) {
    OwnedStep s = step;
    long t1 = System.nanoTime();
    // Ghosts only pick contacts (their claims decide conflicts over owned prey and food).
    ghostContacts(s);
    long t2 = System.nanoTime();
    // Conflicts: the lowest id among the claimants wins a prey or a food patch.
    settleConflicts(s);
    long t3 = System.nanoTime();
    // Life, in grid order so that the next table comes out sorted by cell.
    if (!sweep.liveOwned(s, next)) {
      live(s, next);
    }
    advanceFood(s.seed, s.tick, ownedFood, ownedFoodCount, s.slots, s.graze);
    long t4 = System.nanoTime();
    nanos[1] += t2 - t1;
    nanos[2] += t3 - t2;
    nanos[3] += t4 - t3;
    step = null;
    parts = null;
  }

  // The passes of a step are methods of one loop each: as one method, C1 kept compiling its
  // loops for on-stack replacement and C2 never took it (-Xlog:jit+compilation: hundreds of
  // level-3 OSR compilations of step() in 200 ticks), so the loops ran as profiled C1 code.

  /** Perceives and steers every owned row through {@link Perception}, row by row. */
  private void perceiveRows(OwnedStep s) {
    for (int k = 0; k < s.slots; k++) {
      int i = s.items[k];
      if (i < s.owned) {
        perceive(s.table, i, k);
        perception.steer(s.seed, s.tick);
        s.newVx[i] = perception.newVx;
        s.newVy[i] = perception.newVy;
        s.crowd[i] = perception.sameSeen();
        int slot = perception.bite();
        s.bite[i] = slot < 0 ? -1 : s.items[slot];
        s.graze[i] = perception.graze();
      }
    }
  }

  /** Ghosts only pick contacts: their claims decide conflicts over owned prey and food. */
  private void ghostContacts(OwnedStep s) {
    EntityTable t = s.table;
    for (int k = 0; k < s.slots; k++) {
      int i = s.items[k];
      s.killer[i] = -1;
      if (i >= s.owned) {
        s.bite[i] = t.species[i] == WorldRules.PREDATOR ? nearestPrey(t, i) : -1;
        s.graze[i] = t.species[i] == WorldRules.PREY ? nearestFood(t, i) : -1;
      }
    }
  }

  /** The lowest id among the claimants wins a prey ({@code killer}) or a patch ({@code eater}). */
  private static void settleConflicts(OwnedStep s) {
    long[] id = s.table.id;
    for (int i = 0; i < s.slots; i++) {
      int q = s.bite[i];
      if (q >= 0 && (s.killer[q] < 0 || id[i] < id[s.killer[q]])) {
        s.killer[q] = i;
      }
      int f = s.graze[i];
      if (f >= 0 && (s.eater[f] < 0 || id[i] < id[s.eater[f]])) {
        s.eater[f] = i;
      }
    }
  }

  /** Advances the owned food timers, then forgets this tick's grazers. */
  private void advanceFood(
      long seed, long tick, int[] ownedFood, int ownedFoodCount, int n, int[] graze) {
    for (int k = 0; k < ownedFoodCount; k++) {
      int f = ownedFood[k];
      food.timer[f] = FoodField.nextTimer(seed, f, tick, food.timer[f], eater[f] >= 0);
    }
    for (int i = 0; i < n; i++) {
      if (graze[i] >= 0) {
        eater[graze[i]] = -1;
      }
    }
  }

  /** The life pass row by row: each owned row's gain, then {@link Lifecycle#advance}. */
  private void live(OwnedStep s, EntityTable next) {
    EntityTable t = s.table;
    for (int k = 0; k < s.slots; k++) {
      int i = s.items[k];
      if (i >= s.owned) {
        continue;
      }
      float gain = 0;
      if (s.graze[i] >= 0 && s.eater[s.graze[i]] == i) {
        gain = WorldRules.FOOD_ENERGY;
      }
      if (s.bite[i] >= 0 && s.killer[s.bite[i]] == i) {
        gain = Lifecycle.meal(t.energy[s.bite[i]]);
      }
      Lifecycle.advance(
          s.seed,
          s.tick,
          torus,
          t,
          i,
          s.newVx[i],
          s.newVy[i],
          gain,
          s.killer[i] >= 0,
          s.crowd[i],
          next);
    }
  }

  /** Bytes of its own working arrays: the cell-sorted neighbour copies and the eater table. */
  long bytes() {
    return neighbours.bytes() + 4L * eater.length;
  }

  /**
   * Time spent so far in each part of a step, summed over threads: grid build (with the sweep's
   * set-up of its parts, the native sweep's list of ready food), perceive + steer + contacts,
   * conflicts, life (and food). Nanoseconds, added to {@code into}.
   */
  void addNanos(long[] into) {
    for (int k = 0; k < nanos.length; k++) {
      into[k] += nanos[k];
    }
    into[1] += perceiveNanos.get();
  }

  /**
   * Offers row {@code i} (at {@code slot}) everything in the cells its view radius overlaps: per
   * grid row of the window, one run of neighbour slots (two where the window wraps around the
   * seam); then, for prey, the food patches likewise.
   */
  private void perceive(EntityTable t, int i, int slot) {
    perception.begin(t, i, neighbours, slot);
    float x = t.x[i];
    float y = t.y[i];
    grid.window(x, y, t.view[i], window);
    sweepWindow(grid.start, false);
    if (t.species[i] == WorldRules.PREY) {
      if (perception.seesOther()) {
        // A prey in sight of a predator flees and ignores the food it sees (Perception.steer):
        // only grazing reach still matters, a window of a cell or two instead of the view's.
        grid.window(x, y, t.size[i] + WorldRules.FOOD_RADIUS, window);
      }
      sweepWindow(foodGrid.start, true);
    }
  }

  /** Offers the runs of {@link #window} in a grid whose cell starts are {@code start}. */
  private void sweepWindow(int[] start, boolean foodRuns) {
    int columns = grid.columns;
    int rows = grid.rows;
    int c0 = window[0];
    int first = Math.min(window[1], columns - c0);
    int second = window[1] - first;
    for (int a = 0, r = window[2]; a < window[3]; a++, r = r + 1 == rows ? 0 : r + 1) {
      int base = r * columns;
      int lo = base + c0;
      if (foodRuns) {
        perception.seeFoodRun(food, start[lo], start[lo + first]);
        if (second > 0) {
          perception.seeFoodRun(food, start[base], start[base + second]);
        }
      } else {
        perception.seeRun(start[lo], start[lo + first]);
        if (second > 0) {
          perception.seeRun(start[base], start[base + second]);
        }
      }
    }
  }

  private int nearestPrey(EntityTable t, int p) {
    int best = -1;
    float bestD2 = 0;
    int[] items = grid.items;
    int runs = grid.runsAround(t.x[p], t.y[p], t.size[p] + WorldRules.MAX_SIZE, around);
    for (int a = 0; a < runs; a += 2) {
      for (int k = around[a], end = around[a + 1]; k < end; k++) {
        int q = items[k];
        if (t.species[q] != WorldRules.PREY) {
          continue;
        }
        float d2 = Lifecycle.biteDistanceSq(torus, t, p, q);
        if (d2 >= 0 && (best < 0 || Lifecycle.nearer(d2, t.id[q], bestD2, t.id[best]))) {
          best = q;
          bestD2 = d2;
        }
      }
    }
    return best;
  }

  private int nearestFood(EntityTable t, int q) {
    int best = -1;
    float bestD2 = 0;
    int[] items = foodGrid.items;
    int runs = foodGrid.runsAround(t.x[q], t.y[q], t.size[q] + WorldRules.FOOD_RADIUS, around);
    for (int a = 0; a < runs; a += 2) {
      for (int k = around[a], end = around[a + 1]; k < end; k++) {
        int f = items[k];
        float d2 = Lifecycle.grazeDistanceSq(torus, t, q, food, f);
        if (d2 >= 0 && (best < 0 || Lifecycle.nearer(d2, f, bestD2, best))) {
          best = f;
          bestD2 = d2;
        }
      }
    }
    return best;
  }
}
