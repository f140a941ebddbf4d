package dev.wasmgrid.sim;

/**
 * The rules every engine applies once an entity's inputs are settled: contact tests, movement,
 * metabolism, death, reproduction with mutation. Pure functions of one entity's row, its decided
 * gains and the counter-based RNG, so that any partition computes the same successor.
 */
final class Lifecycle {

  private static final float[] GENE_MIN = {
    WorldRules.MIN_SPEED,
    WorldRules.MIN_VIEW,
    WorldRules.MIN_VIEW_COS,
    WorldRules.MIN_SIZE,
    WorldRules.MIN_AGGRESSION
  };
  private static final float[] GENE_MAX = {
    WorldRules.MAX_SPEED,
    WorldRules.MAX_VIEW,
    WorldRules.MAX_VIEW_COS,
    WorldRules.MAX_SIZE,
    WorldRules.MAX_AGGRESSION
  };

  private Lifecycle() {}

  /** Squared contact distance between predator {@code p} and prey {@code q}, or -1 if apart. */
  static float biteDistanceSq(Torus torus, EntityTable t, int p, int q) {
    float dx = torus.dx(t.x[p], t.x[q]);
    float dy = torus.dy(t.y[p], t.y[q]);
    float d2 = dx * dx + dy * dy;
    float reach = t.size[p] + t.size[q];
    return d2 < reach * reach ? d2 : -1f;
  }

  /**
   * Squared distance from prey {@code q} to ready food patch {@code f} if it can graze, else -1.
   */
  static float grazeDistanceSq(Torus torus, EntityTable t, int q, FoodField food, int f) {
    if (food.timer[f] != 0) {
      return -1f;
    }
    float dx = torus.dx(t.x[q], food.x[f]);
    float dy = torus.dy(t.y[q], food.y[f]);
    float d2 = dx * dx + dy * dy;
    float reach = t.size[q] + WorldRules.FOOD_RADIUS;
    return d2 < reach * reach ? d2 : -1f;
  }

  /** Whether (d2, id) is nearer than the best so far; ties go to the lower id. */
  static boolean nearer(float d2, long id, float bestD2, long bestId) {
    return d2 < bestD2 || (d2 == bestD2 && id < bestId);
  }

  /** Energy a predator gains from eating a prey with {@code victimEnergy}. */
  static float meal(float victimEnergy) {
    return WorldRules.PREY_ENERGY_SHARE * Math.max(0f, victimEnergy) + WorldRules.MEAL_ENERGY;
  }

  /**
   * Appends the successor of row {@code i} of {@code t} to {@code next} (nothing if it dies), and
   * its child if it reproduces this tick.
   *
   * @param vx velocity chosen by steering
   * @param gain energy eaten this tick
   * @param killed eaten by a predator this tick
   * @param crowd same-species neighbours in view
   */
  static void advance(
      long seed,
      long tick,
      Torus torus,
      EntityTable t,
      int i,
      float vx,
      float vy,
      float gain,
      boolean killed,
      int crowd,
      EntityTable next) {
    if (killed) {
      return;
    }
    float size = t.size[i];
    float burn =
        WorldRules.BASE_METABOLISM
            + WorldRules.SIZE_METABOLISM * size
            + WorldRules.SPEED_METABOLISM * (vx * vx + vy * vy)
            + WorldRules.VIEW_METABOLISM * t.view[i]
            + (t.species[i] == WorldRules.PREDATOR ? WorldRules.PREDATOR_METABOLISM : 0f);
    float energy = t.energy[i] + gain - burn;
    int age = t.age[i] + 1;
    if (energy <= 0 || age > WorldRules.MAX_AGE) {
      return;
    }
    float x = torus.wrapX(t.x[i] + vx);
    float y = torus.wrapY(t.y[i] + vy);
    long id = t.id[i];
    byte kind = t.species[i];
    float birth =
        kind == WorldRules.PREY ? WorldRules.PREY_BIRTH_ENERGY : WorldRules.PREDATOR_BIRTH_ENERGY;
    if (energy >= birth && age >= WorldRules.MIN_BIRTH_AGE && crowd < WorldRules.CROWD_LIMIT) {
      energy /= 2;
      float[] genes = {t.maxSpeed[i], t.view[i], t.viewCos[i], size, t.aggression[i]};
      for (int g = 0; g < genes.length; g++) {
        float step =
            Rng.signed(seed, id, tick, Rng.GENE + g)
                * WorldRules.MUTATION
                * (GENE_MAX[g] - GENE_MIN[g]);
        genes[g] = Math.min(GENE_MAX[g], Math.max(GENE_MIN[g], genes[g] + step));
      }
      next.append(
          Rng.childId(seed, id, tick),
          kind,
          0,
          x,
          y,
          Rng.signed(seed, id, tick, Rng.CHILD_VX) * genes[0],
          Rng.signed(seed, id, tick, Rng.CHILD_VY) * genes[0],
          energy,
          genes[0],
          genes[1],
          genes[2],
          genes[3],
          genes[4]);
    }
    next.append(
        id,
        kind,
        age,
        x,
        y,
        vx,
        vy,
        energy,
        t.maxSpeed[i],
        t.view[i],
        t.viewCos[i],
        size,
        t.aggression[i]);
  }

  /** A random gene in its range, for the initial population. */
  static float initialGene(long seed, long id, int gene) {
    return GENE_MIN[gene]
        + Rng.unit(seed, id, -1, Rng.GENE + gene) * (GENE_MAX[gene] - GENE_MIN[gene]);
  }

  /** Fills {@code table} with the initial population of {@code config}: ids 0..n-1. */
  static void populate(SimConfig config, EntityTable table) {
    long seed = config.seed();
    float spanX = config.clustered() ? config.width() / 4f : config.width();
    for (int id = 0; id < config.entities(); id++) {
      byte kind =
          Rng.unit(seed, id, -1, Rng.START_SPECIES) < WorldRules.PREDATOR_FRACTION
              ? WorldRules.PREDATOR
              : WorldRules.PREY;
      float speed = initialGene(seed, id, 0);
      table.append(
          id,
          kind,
          0,
          Rng.unit(seed, id, -1, Rng.START_X) * spanX,
          Rng.unit(seed, id, -1, Rng.START_Y) * config.height(),
          Rng.signed(seed, id, -1, Rng.START_VX) * speed * 0.7f,
          Rng.signed(seed, id, -1, Rng.START_VY) * speed * 0.7f,
          WorldRules.START_ENERGY_MIN
              + Rng.unit(seed, id, -1, Rng.START_ENERGY) * WorldRules.START_ENERGY_SPAN,
          speed,
          initialGene(seed, id, 1),
          initialGene(seed, id, 2),
          initialGene(seed, id, 3),
          initialGene(seed, id, 4));
    }
  }
}
