package dev.wasmgrid.sim;

/**
 * How a {@link Perception} walks a run of candidates (neighbour slots or food patches): the inner
 * loop of a tick. Every implementation must give the same answers bit for bit, so that the engine
 * chosen never changes the world: {@link #scalar()} is the portable one (plain Java, what the
 * browser runs); the JVM entry points may pass {@link VectorNeighbourSweep} instead. Stateless:
 * partitions on several threads share one.
 */
public abstract class NeighbourSweep {

  private static final NeighbourSweep SCALAR = new Scalar();

  NeighbourSweep() {}

  /** The plain Java sweep. */
  public static NeighbourSweep scalar() {
    return SCALAR;
  }

  /** Offers neighbour slots {@code from .. to - 1} to {@code p} as {@link Perception#see} does. */
  abstract void entities(Perception p, int from, int to);

  /**
   * Offers food patches {@code from .. to - 1} to prey {@code p} as {@link Perception#seeFood}
   * does.
   */
  abstract void food(Perception p, FoodField field, int from, int to);

  /**
   * Perception and steering of every owned row of {@code step}, as {@link TickStepper} would do
   * them row by row through {@link #entities} and {@link #food}, cut into parts that several
   * threads may run at once; null where this sweep leaves that to the stepper (the default).
   */
  PerceptionParts perceiveOwned(OwnedStep step) {
    return null;
  }

  /**
   * Appends the successors of every owned row of {@code step} to {@code next}, as {@link
   * TickStepper}'s life pass would row by row through {@link Lifecycle#advance}; false where this
   * sweep leaves that to the stepper (the default).
   */
  boolean liveOwned(OwnedStep step, EntityTable next) {
    return false;
  }

  /**
   * A cheap branch-free pass keeps the candidates within the view radius (about a third of a query
   * square's lie outside the circle, at random, so a branch on it mispredicts), then each survivor
   * goes through the exact rules. Dropping the others changes nothing: the rules ignore them too,
   * contacts included, because the largest contact distance is below the smallest view radius.
   */
  private static final class Scalar extends NeighbourSweep {

    @Override
    void entities(Perception p, int from, int to) {
      int[] hits = p.hits(to - from);
      int m = within(p, p.nb.x, p.nb.y, from, to, hits);
      for (int h = 0; h < m; h++) {
        p.see(hits[h]);
      }
    }

    @Override
    void food(Perception p, FoodField field, int from, int to) {
      int[] hits = p.hits(to - from);
      int m = within(p, field.x, field.y, from, to, hits);
      for (int h = 0; h < m; h++) {
        p.seeFood(field, hits[h]);
      }
    }

    private static int within(Perception p, float[] x, float[] y, int from, int to, int[] hits) {
      Torus torus = p.torus;
      float px = p.sx;
      float py = p.sy;
      float radiusSq = p.viewSq;
      int m = 0;
      for (int k = from; k < to; k++) {
        float dx = torus.dx(px, x[k]);
        float dy = torus.dy(py, y[k]);
        float d2 = dx * dx + dy * dy;
        hits[m] = k;
        m += d2 <= radiusSq ? 1 : 0;
      }
      return m;
    }
  }
}
