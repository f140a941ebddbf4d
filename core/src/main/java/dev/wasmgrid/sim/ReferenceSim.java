package dev.wasmgrid.sim;

import java.util.Arrays;

/**
 * The obviously-correct engine the fast one is tested against: one table for the whole world, and
 * every neighbour question answered by looking at every entity and every food patch (O(n²) per
 * tick). No grid, no partitions, no ghosts, no frames. It shares only the per-entity rules ({@link
 * Perception}, {@link Lifecycle}) with the fast engine.
 */
public final class ReferenceSim implements Simulation {

  private final SimConfig config;
  private final Torus torus;
  private final FoodField food;
  private final Perception perception;
  private final Neighbours neighbours = new Neighbours();
  private EntityTable current;
  private EntityTable next;
  private long tick;

  /** The initial world of {@code config}. */
  public ReferenceSim(SimConfig config) {
    this(config, initial(config));
  }

  /** A world with these entities; the food is {@code config}'s. */
  public ReferenceSim(SimConfig config, EntityTable entities) {
    this.config = config;
    this.torus = new Torus(config.width(), config.height());
    this.food = new FoodField(config);
    this.perception = new Perception(torus, NeighbourSweep.scalar());
    this.current = new EntityTable(entities.count());
    for (int i = 0; i < entities.count(); i++) {
      current.appendRow(entities, i);
    }
    this.next = new EntityTable(entities.count());
  }

  @Override
  public void step() {
    EntityTable t = current;
    int n = t.count();
    long seed = config.seed();
    // 1. Intentions, all judged on the tick-start state.
    int[] bite = new int[n];
    int[] graze = new int[n];
    for (int i = 0; i < n; i++) {
      bite[i] = -1;
      graze[i] = -1;
      float best = 0;
      if (t.species[i] == WorldRules.PREDATOR) {
        for (int j = 0; j < n; j++) {
          if (t.species[j] != WorldRules.PREY) {
            continue;
          }
          float d2 = Lifecycle.biteDistanceSq(torus, t, i, j);
          if (d2 >= 0 && (bite[i] < 0 || Lifecycle.nearer(d2, t.id[j], best, t.id[bite[i]]))) {
            bite[i] = j;
            best = d2;
          }
        }
      } else {
        for (int f = 0; f < food.count(); f++) {
          float d2 = Lifecycle.grazeDistanceSq(torus, t, i, food, f);
          if (d2 >= 0 && (graze[i] < 0 || Lifecycle.nearer(d2, f, best, graze[i]))) {
            graze[i] = f;
            best = d2;
          }
        }
      }
    }
    // 2. Conflicts: the lowest id among the claimants wins a prey or a food patch.
    int[] killer = new int[n];
    Arrays.fill(killer, -1);
    int[] eater = new int[food.count()];
    Arrays.fill(eater, -1);
    for (int i = 0; i < n; i++) {
      int q = bite[i];
      if (q >= 0 && (killer[q] < 0 || t.id[i] < t.id[killer[q]])) {
        killer[q] = i;
      }
      int f = graze[i];
      if (f >= 0 && (eater[f] < 0 || t.id[i] < t.id[eater[f]])) {
        eater[f] = i;
      }
    }
    // 3. Steering and life, each entity from the tick-start state only.
    next.clear();
    neighbours.wrap(t);
    for (int i = 0; i < n; i++) {
      perception.begin(t, i, neighbours, i);
      for (int j = 0; j < n; j++) {
        perception.see(j);
      }
      for (int f = 0; f < food.count(); f++) {
        perception.seeFood(food, f);
      }
      perception.steer(seed, tick);
      float gain = 0;
      if (graze[i] >= 0 && eater[graze[i]] == i) {
        gain = WorldRules.FOOD_ENERGY;
      }
      if (bite[i] >= 0 && killer[bite[i]] == i) {
        gain = Lifecycle.meal(t.energy[bite[i]]);
      }
      Lifecycle.advance(
          seed,
          tick,
          torus,
          t,
          i,
          perception.newVx,
          perception.newVy,
          gain,
          killer[i] >= 0,
          perception.sameSeen(),
          next);
    }
    for (int f = 0; f < food.count(); f++) {
      food.timer[f] = FoodField.nextTimer(seed, f, tick, food.timer[f], eater[f] >= 0);
    }
    current = next;
    next = t;
    tick++;
  }

  @Override
  public long tick() {
    return tick;
  }

  @Override
  public int population() {
    return current.count();
  }

  @Override
  public int predators() {
    int p = 0;
    for (int i = 0; i < current.count(); i++) {
      p += current.species[i];
    }
    return p;
  }

  @Override
  public long stateBytes() {
    return current.bytes() + next.bytes() + food.bytes();
  }

  @Override
  public long stateHash() {
    return StateHash.of(tick, current, food.timer);
  }

  /** The entities now, in no particular order (a copy). */
  public EntityTable entities() {
    EntityTable copy = new EntityTable(current.count());
    for (int i = 0; i < current.count(); i++) {
      copy.appendRow(current, i);
    }
    return copy;
  }

  @Override
  public void close() {}

  static EntityTable initial(SimConfig config) {
    EntityTable table = new EntityTable(config.entities());
    Lifecycle.populate(config, table);
    return table;
  }
}
