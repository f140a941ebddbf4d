package dev.wasmgrid.sim;

/** A running simulation, whichever engine steps it. */
public interface Simulation extends AutoCloseable {

  /** Advances the world by one tick. */
  void step();

  /** Ticks stepped so far. */
  long tick();

  /** Entities alive now. */
  int population();

  /** Predators alive now (the rest are prey). */
  int predators();

  /** Bytes held by the simulation state: entity and food arrays, both buffers, grids, scratch. */
  long stateBytes();

  /** {@link StateHash} of the whole world now. */
  long stateHash();

  /** Releases threads, if any. */
  @Override
  void close();
}
