package dev.wasmgrid.sim;

/**
 * The fixed rules of the world: gene ranges, energies, steering weights. Constants rather than
 * configuration because every engine (reference, partitions, browser) must agree on them bit for
 * bit, and the ghost width is derived from them.
 */
final class WorldRules {

  private WorldRules() {}

  static final byte PREY = 0;
  static final byte PREDATOR = 1;

  /** World area per initial entity: fixes the density, so tick cost grows linearly with n. */
  static final float AREA_PER_ENTITY = 900f;

  /**
   * Grid cell edge, and the unit in which strip boundaries move. Half the largest view radius: a
   * query scans the cells overlapping its own radius, so smaller cells mean fewer wasted
   * candidates, down to where per-cell overhead dominates.
   */
  static final float CELL = 20f;

  static final float MIN_SPEED = 0.5f;
  static final float MAX_SPEED = 3f;
  static final float MIN_VIEW = 10f;
  static final float MAX_VIEW = 40f;

  /** Cosine of half the view cone: -0.8 sees almost all around, 0.6 about ±53°. */
  static final float MIN_VIEW_COS = -0.8f;

  static final float MAX_VIEW_COS = 0.6f;
  static final float MIN_SIZE = 1f;
  static final float MAX_SIZE = 3f;
  static final float MIN_AGGRESSION = 0f;
  static final float MAX_AGGRESSION = 1f;

  static final float FOOD_RADIUS = 1.5f;

  /**
   * Farthest any contact rule (eating, being eaten, grazing) reaches: two entities of the largest
   * size, or the largest size plus a food patch.
   */
  static final float MAX_CONTACT = Math.max(2 * MAX_SIZE, MAX_SIZE + FOOD_RADIUS);

  /**
   * Ghost zone width. Steering needs everything within the view radius; conflict resolution (who
   * eats whom) needs the decisions of entities up to twice the contact distance away, which in turn
   * look one more contact distance out, so 3 × contact must fit too. The extra unit keeps float
   * rounding at the band's edge from dropping a neighbour at exactly the view radius.
   */
  static final float GHOST = Math.max(MAX_VIEW, 3 * MAX_CONTACT) + 1f;

  static final float PREDATOR_FRACTION = 0.1f;
  static final float FOOD_PER_ENTITY = 1.0f;
  static final float FOOD_ENERGY = 30f;
  static final int REGROW_TICKS = 60;
  static final int REGROW_JITTER = 30;

  static final float START_ENERGY_MIN = 40f;
  static final float START_ENERGY_SPAN = 40f;
  static final float PREY_BIRTH_ENERGY = 90f;
  static final float PREDATOR_BIRTH_ENERGY = 400f;
  static final int MIN_BIRTH_AGE = 30;
  static final int MAX_AGE = 3000;

  /** Same-species neighbours in view above which an entity does not reproduce. */
  static final int CROWD_LIMIT = 10;

  /** Share of a victim's energy a predator gains, plus a flat meal. */
  static final float PREY_ENERGY_SHARE = 0.3f;

  static final float MEAL_ENERGY = 10f;

  static final float BASE_METABOLISM = 0.04f;

  /** Extra burn of a predator per tick: hunters must keep hunting. */
  static final float PREDATOR_METABOLISM = 0.08f;

  static final float SIZE_METABOLISM = 0.02f;
  static final float SPEED_METABOLISM = 0.01f;
  static final float VIEW_METABOLISM = 0.0005f;

  /** Fraction of a gene's range that one mutation moves it at most. */
  static final float MUTATION = 0.05f;

  static final float SEPARATION_WEIGHT = 1.5f;
  static final float ALIGNMENT_WEIGHT = 0.4f;
  static final float COHESION_WEIGHT = 0.02f;
  static final float FOOD_WEIGHT = 1.0f;
  static final float FLEE_WEIGHT = 2.0f;
  static final float HUNT_WEIGHT = 1.0f;
  static final float JITTER = 0.05f;
  static final float MAX_FORCE = 0.3f;

  /**
   * Fixed-point scale of neighbour sums: contributions are rounded to multiples of 2^-16 and added
   * as longs, and integer addition is associative, so a sum does not depend on the order in which
   * neighbours are visited (grid cells, partitions, brute force).
   */
  static final float FIXED_SCALE = 65536f;
}
