package dev.wasmgrid.sim;

import dev.wasmgrid.foreign.Foreign;
import dev.wasmgrid.foreign.NativeLibrary;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Perception, steering and life in C ({@code core/src/main/c/sim_kernels.c}, built by {@code
 * core/build-native.sh} into this package's resources), called once per few thousand rows through
 * the JDK's foreign-function API on the partition's own arrays, without copies. JVM only, like
 * {@link VectorNeighbourSweep}, whose lane tests and rules it runs operation for operation (and
 * {@link Lifecycle}'s), so the world is the other sweeps' bit for bit; what it saves is the
 * overhead around a query's ~7 runs of ~3 candidates (calls, bounds checks, half-empty batches, the
 * looker's state in memory between them). Runs on x86-64 Linux with AVX2; elsewhere, without the
 * library, or with {@code -Dwasmgrid.sim.native=off} or {@code WASMGRID_SIM_NATIVE=off}, {@link
 * #fastest()} gives the Vector API sweep instead.
 */
public final class NativeNeighbourSweep extends NeighbourSweep {

  /** Where the build puts the library, under this class's package. */
  static final String RESOURCE = "native/linux-x86_64/libwasmgrid-sim.so";

  /**
   * Slots per downcall of the life pass. A critical call holds off garbage collection while it
   * runs; a few thousand rows take well under a millisecond.
   */
  private static final int CHUNK = 4096;

  /**
   * Slots per part of the perception ({@link #perceiveOwned}): ~0.15 ms each at 100,000 entities,
   * small enough that a thread done with its own partition evens out the others' last parts.
   */
  private static final int PART = 1024;

  private static final Loaded LOADED = Loaded.load();

  /** Single runs (nothing calls them while {@link #perceiveOwned} takes every owned row). */
  private final VectorNeighbourSweep runs = new VectorNeighbourSweep();

  private NativeNeighbourSweep() {}

  /** The fastest sweep here: this one where the library runs, else the Vector API's. */
  public static NeighbourSweep fastest() {
    return LOADED.reason == null ? new NativeNeighbourSweep() : new VectorNeighbourSweep();
  }

  /** This sweep, or why it does not run here. */
  public static NeighbourSweep require() {
    if (LOADED.reason != null) {
      throw new IllegalStateException("native simulation sweep unavailable: " + LOADED.reason);
    }
    return new NativeNeighbourSweep();
  }

  /** Why the library does not run here; empty where it does. */
  public static Optional<String> unavailable() {
    return Optional.ofNullable(LOADED.reason);
  }

  @Override
  void entities(Perception p, int from, int to) {
    runs.entities(p, from, to);
  }

  @Override
  void food(Perception p, FoodField field, int from, int to) {
    runs.food(p, field, from, to);
  }

  @Override
  PerceptionParts perceiveOwned(OwnedStep s) {
    SpatialGrid grid = s.grid;
    FoodField food = s.food;
    int cells = grid.columns * grid.rows;
    // Whole vectors are copied from the list: 8 spare elements after its last.
    int room = food.count() + 8;
    ReadyFood ready =
        new ReadyFood(
            s.scratch.ints(StepScratch.READY_START, cells + 1),
            s.scratch.ints(StepScratch.READY, room),
            s.scratch.floats(StepScratch.READY_X, room),
            s.scratch.floats(StepScratch.READY_Y, room));
    try {
      LOADED.readyFood.invokeExact(
          cells,
          food.count(),
          s.foodGrid.start,
          food.timer,
          food.x,
          food.y,
          s.scratch.ints(StepScratch.READY_BEFORE, food.count() + 1),
          ready.start,
          ready.patches,
          ready.x,
          ready.y);
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
    float[] floats = {grid.cell(), s.torus.width, s.torus.height};
    return new PerceptionParts(
        (s.slots + PART - 1) / PART,
        part -> perceive(s, part * PART, Math.min(s.slots, (part + 1) * PART), floats, ready));
  }

  /** Slots {@code from .. to - 1} of {@code s}. */
  private static void perceive(OwnedStep s, int from, int to, float[] floats, ReadyFood ready) {
    SpatialGrid grid = s.grid;
    Neighbours nb = s.neighbours;
    EntityTable t = s.table;
    int[] ints = {s.owned, grid.columns, grid.rows, from, to};
    try {
      LOADED.perceive.invokeExact(
          ints,
          floats,
          s.seed,
          s.tick,
          s.items,
          grid.start,
          nb.x,
          nb.y,
          nb.vx,
          nb.vy,
          nb.size,
          nb.kinds,
          nb.id,
          ready.start,
          ready.patches,
          ready.x,
          ready.y,
          t.view,
          t.viewCos,
          t.maxSpeed,
          t.aggression,
          s.newVx,
          s.newVy,
          s.crowd,
          s.bite,
          s.graze);
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
  }

  @Override
  boolean liveOwned(OwnedStep s, EntityTable next) {
    EntityTable t = s.table;
    int[] ints = {s.owned, 0, 0, next.count(), next.capacity()};
    float[] floats = {s.torus.width, s.torus.height};
    try {
      for (int from = 0; from < s.slots; from = ints[1]) {
        ints[2] = Math.min(s.slots, from + CHUNK);
        LOADED.live.invokeExact(
            ints,
            floats,
            s.seed,
            s.tick,
            s.items,
            s.newVx,
            s.newVy,
            s.bite,
            s.graze,
            s.killer,
            s.eater,
            s.crowd,
            t.id,
            t.species,
            t.age,
            t.x,
            t.y,
            t.energy,
            t.maxSpeed,
            t.view,
            t.viewCos,
            t.size,
            t.aggression,
            next.id,
            next.species,
            next.age,
            next.x,
            next.y,
            next.vx,
            next.vy,
            next.energy,
            next.maxSpeed,
            next.view,
            next.viewCos,
            next.size,
            next.aggression);
        next.written(ints[3]);
        if (ints[1] < ints[2]) {
          // No room for a row and its child: grow, then go on from that row.
          next.reserve(2);
          ints[4] = next.capacity();
        }
      }
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
    return true;
  }

  /**
   * The food patches ready to eat at the step's start, as a grid of their own that every part of
   * the step reads ({@code wg_sim_ready_food}). A class rather than a record: it hands over arrays
   * to fill.
   */
  private static final class ReadyFood {
    final int[] start;
    final int[] patches;
    final float[] x;
    final float[] y;

    ReadyFood(int[] start, int[] patches, float[] x, float[] y) {
      this.start = start;
      this.patches = patches;
      this.x = x;
      this.y = y;
    }
  }

  /** The downcall, or why there is none. */
  private record Loaded(
      String reason, MethodHandle readyFood, MethodHandle perceive, MethodHandle live) {

    static Loaded load() {
      NativeLibrary library =
          NativeLibrary.load(
              NativeNeighbourSweep.class, RESOURCE, "wasmgrid.sim.native", "WASMGRID_SIM_NATIVE");
      if (!library.loaded()) {
        return missing(library.reason());
      }
      try {
        Foreign foreign = library.foreign();
        Object symbols = library.symbols();
        if ((int) foreign.function(symbols, "wg_sim_supported", foreign.int32).invoke() == 0) {
          return missing("this CPU lacks AVX2");
        }
        Class<?> ints = int[].class;
        Class<?> floats = float[].class;
        return new Loaded(
            null,
            foreign.arrayFunction(
                symbols,
                "wg_sim_ready_food",
                int.class,
                int.class,
                ints,
                ints,
                floats,
                floats,
                ints,
                ints,
                ints,
                floats,
                floats),
            foreign.arrayFunction(
                symbols,
                "wg_sim_perceive",
                ints,
                floats,
                long.class,
                long.class,
                ints,
                ints,
                floats,
                floats,
                floats,
                floats,
                floats,
                floats,
                long[].class,
                ints,
                ints,
                floats,
                floats,
                floats,
                floats,
                floats,
                floats,
                floats,
                floats,
                ints,
                ints,
                ints),
            foreign.arrayFunction(
                symbols,
                "wg_sim_live",
                ints,
                floats,
                long.class,
                long.class,
                ints,
                floats,
                floats,
                ints,
                ints,
                ints,
                ints,
                ints,
                long[].class,
                byte[].class,
                ints,
                floats,
                floats,
                floats,
                floats,
                floats,
                floats,
                floats,
                floats,
                long[].class,
                byte[].class,
                ints,
                floats,
                floats,
                floats,
                floats,
                floats,
                floats,
                floats,
                floats,
                floats,
                floats));
      } catch (Throwable e) {
        return missing("could not bind the library: " + e);
      }
    }

    private static Loaded missing(String reason) {
      return new Loaded(reason, null, null, null);
    }
  }
}
