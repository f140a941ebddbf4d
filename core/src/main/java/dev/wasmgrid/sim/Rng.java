package dev.wasmgrid.sim;

/**
 * Counter-based random numbers: every draw is a pure hash of (seed, entity id, tick, stream), so a
 * value never depends on which partition draws it, in which order, or how many draws came before.
 * The mixing is SplitMix64's finalizer applied to a combination of the key words.
 */
public final class Rng {

  /** Stream numbers: one per purpose, so that two draws for one entity and tick never collide. */
  static final int JITTER = 1;

  static final int START_X = 3;
  static final int START_Y = 4;
  static final int START_VX = 5;
  static final int START_VY = 6;
  static final int START_ENERGY = 7;
  static final int START_SPECIES = 8;
  static final int GENE = 16; // GENE + gene index
  static final int CHILD_ID = 32;
  static final int CHILD_VX = 33;
  static final int CHILD_VY = 34;
  static final int REGROW = 40;
  static final int FOOD_X = 41;
  static final int FOOD_Y = 42;

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Rng() {}

  /** 64 random bits for the key (seed, id, tick, stream). */
  public static long bits(long seed, long id, long tick, int stream) {
    long h = mix(seed ^ GOLDEN);
    h = mix(h ^ id * GOLDEN);
    h = mix(h ^ (tick * 0xC2B2AE3D27D4EB4FL + stream));
    return h;
  }

  /** Uniform in [0, 1) with 24 random bits, exact in a float. */
  public static float unit(long seed, long id, long tick, int stream) {
    return (bits(seed, id, tick, stream) >>> 40) * 0x1.0p-24f;
  }

  /** Uniform in [-1, 1). */
  static float signed(long seed, long id, long tick, int stream) {
    return unit(seed, id, tick, stream) * 2f - 1f;
  }

  /** Uniform in [-1, 1) from the 24 bits of {@code bits} starting at bit {@code shift}. */
  static float signed24(long bits, int shift) {
    return ((bits >>> shift) & 0xFFFFFF) * 0x1.0p-24f * 2f - 1f;
  }

  /** Uniform in [0, bound). */
  static int below(long seed, long id, long tick, int stream, int bound) {
    return (int) ((bits(seed, id, tick, stream) >>> 33) % bound);
  }

  /**
   * The id of the child born to {@code parentId} at {@code tick}: derived from the pair, not from a
   * counter, so no partition needs to know how many births happened elsewhere. A parent gives birth
   * at most once per tick; two of the 2^62 values collide with probability about n²/2^63 for n ids
   * ever made (below 10^-5 for ten million births). Initial ids are 0..n-1 and children have bit 62
   * set, so they never meet the initial ids.
   */
  public static long childId(long seed, long parentId, long tick) {
    return (bits(seed, parentId, tick, CHILD_ID) >>> 2) | (1L << 62);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
