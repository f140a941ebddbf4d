package dev.wasmgrid.llm;

/**
 * {@link java.util.SplittableRandom}'s generator (SplitMix64 with the golden-ratio gamma), written
 * out because the browser build's class library has no {@code SplittableRandom}: the same seed
 * gives the same doubles, so {@link TinyModels} makes the same weights on the JVM and in the
 * browser. Not thread-safe.
 */
final class SplitMix64 {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
  private long seed;

  SplitMix64(long seed) {
    this.seed = seed;
  }

  long nextLong() {
    seed += GOLDEN_GAMMA;
    long z = seed;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1) from the top 53 bits. */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }
}
