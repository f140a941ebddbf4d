package dev.wasmgrid.sim;

/**
 * What to simulate.
 *
 * @param entities initial population (prey and predators)
 * @param seed seed of every random draw
 * @param width world width; a whole number of grid cells
 * @param height world height; a whole number of grid cells
 * @param foods food patches at fixed positions
 * @param clustered start every entity in the leftmost quarter of the world (load-balancing tests)
 */
public record SimConfig(
    int entities, long seed, int width, int height, int foods, boolean clustered) {

  /** The most entities a run may start with. */
  public static final int MAX_ENTITIES = 10_000_000;

  public SimConfig {
    if (entities < 0 || entities > MAX_ENTITIES) {
      throw new IllegalArgumentException(
          "entities must be in [0, " + MAX_ENTITIES + "], got " + entities);
    }
    int cell = (int) WorldRules.CELL;
    if (width < 3 * cell || width % cell != 0) {
      throw new IllegalArgumentException(
          "width must be a multiple of " + cell + " and >= " + 3 * cell + ", got " + width);
    }
    if (height < 3 * cell || height % cell != 0) {
      throw new IllegalArgumentException(
          "height must be a multiple of " + cell + " and >= " + 3 * cell + ", got " + height);
    }
    if (foods < 0 || foods > MAX_ENTITIES) {
      throw new IllegalArgumentException(
          "foods must be in [0, " + MAX_ENTITIES + "], got " + foods);
    }
  }

  /** A square world sized for a fixed density, with half a food patch per entity. */
  public static SimConfig of(int entities, long seed) {
    if (entities < 0 || entities > MAX_ENTITIES) {
      throw new IllegalArgumentException(
          "entities must be in [0, " + MAX_ENTITIES + "], got " + entities);
    }
    int cell = (int) WorldRules.CELL;
    double side = Math.sqrt((double) entities * WorldRules.AREA_PER_ENTITY);
    int cells = Math.max(3, (int) Math.round(side / cell));
    int foods = (int) (entities * (double) WorldRules.FOOD_PER_ENTITY);
    return new SimConfig(entities, seed, cells * cell, cells * cell, foods, false);
  }

  /** This configuration with every entity starting in the leftmost quarter. */
  public SimConfig clusteredStart() {
    return new SimConfig(entities, seed, width, height, foods, true);
  }

  /** Grid columns: the unit in which partition boundaries move. */
  public int columns() {
    return width / (int) WorldRules.CELL;
  }

  /**
   * The most partitions this world allows: each strip must be at least one ghost width wide, so
   * that a strip's ghosts come only from its two neighbours.
   */
  public int maxPartitions() {
    return columns() / minStripColumns();
  }

  /** Narrowest strip, in columns. */
  static int minStripColumns() {
    return (int) Math.ceil(WorldRules.GHOST / WorldRules.CELL);
  }
}
