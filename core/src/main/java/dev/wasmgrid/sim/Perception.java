package dev.wasmgrid.sim;

/**
 * What one entity sees this tick, accumulated neighbour by neighbour, and the steering that follows
 * from it. The result does not depend on the order in which neighbours are offered: sums are
 * fixed-point longs (integer addition is associative) and every "nearest" keeps the smallest
 * (distance², id) pair. One instance is reused for every entity of a pass. Candidates come in runs
 * of slots through a {@link NeighbourSweep}, which reads the looker's fields below and reports
 * through the {@code *At} and {@link #addSame} methods.
 */
final class Perception {

  final Torus torus;
  private final NeighbourSweep sweep;

  private EntityTable table;
  private int row;

  // The looker, read by sweeps.
  Neighbours nb;
  int self;
  float sx;
  float sy;
  float svx;
  float svy;
  float speed;
  float viewSq;
  float viewCos;
  float coneSq;
  byte kind;
  float sepRadiusSq;
  float size;
  float grazeReachSq;

  /** Slots or patches that passed a sweep's radius filter. */
  int[] hits = new int[64];

  private long sepX;
  private long sepY;
  private long aliX;
  private long aliY;
  private long cohX;
  private long cohY;
  private int same;

  private int other;
  private long otherId;
  private float otherD2;
  private float otherDx;
  private float otherDy;

  private int food;
  private float foodD2;
  private int bite;
  private long biteId;
  private float biteD2;
  private int graze;
  private float grazeD2;
  private float foodDx;
  private float foodDy;

  /** Velocity chosen by {@link #steer}. */
  float newVx;

  float newVy;

  Perception(Torus torus, NeighbourSweep sweep) {
    this.torus = torus;
    this.sweep = sweep;
  }

  /**
   * Starts perceiving for row {@code i} of {@code t}, whose neighbours are offered as slots of
   * {@code nb}; {@code selfSlot} is row {@code i}'s own slot there (skipped).
   */
  void begin(EntityTable t, int i, Neighbours nb, int selfSlot) {
    table = t;
    this.nb = nb;
    row = i;
    self = selfSlot;
    sx = t.x[i];
    sy = t.y[i];
    svx = t.vx[i];
    svy = t.vy[i];
    speed = length(svx, svy);
    viewSq = t.view[i] * t.view[i];
    viewCos = t.viewCos[i];
    coneSq = viewCos * viewCos * speed * speed;
    kind = t.species[i];
    float sep = 2f * t.size[i] + 2f;
    sepRadiusSq = sep * sep;
    sepX = sepY = aliX = aliY = cohX = cohY = 0;
    same = 0;
    other = -1;
    food = -1;
    size = t.size[i];
    float grazeReach = size + WorldRules.FOOD_RADIUS;
    grazeReachSq = grazeReach * grazeReach;
    bite = -1;
    graze = -1;
  }

  /** Offers slots {@code from .. to - 1} of the neighbours, as {@link #see} each. */
  void seeRun(int from, int to) {
    sweep.entities(this, from, to);
  }

  /** Offers food patches {@code from .. to - 1} (prey only), as {@link #seeFood} each. */
  void seeFoodRun(FoodField field, int from, int to) {
    if (kind == WorldRules.PREY) {
      sweep.food(this, field, from, to);
    }
  }

  /** Room in {@link #hits} for {@code n} slots. */
  int[] hits(int n) {
    if (hits.length < n) {
      hits = new int[Math.max(n, 2 * hits.length)];
    }
    return hits;
  }

  /**
   * Offers slot {@code j}: a contact candidate (a predator's bite, checked all around like {@link
   * Lifecycle#biteDistanceSq}), then a neighbour if inside the view cone. The query square must
   * reach past the contact distance; every view radius does.
   */
  void see(int j) {
    if (j == self) {
      return;
    }
    Neighbours t = nb;
    float dx = torus.dx(sx, t.x[j]);
    float dy = torus.dy(sy, t.y[j]);
    float d2 = dx * dx + dy * dy;
    if (kind == WorldRules.PREDATOR && t.species[j] == WorldRules.PREY) {
      bite(j, d2);
    }
    if (d2 > viewSq || !inCone(dx, dy, d2)) {
      return;
    }
    if (t.species[j] == kind) {
      same(j, dx, dy, d2);
    } else {
      other(j, dx, dy, d2);
    }
  }

  /**
   * Offers food patch {@code f} (prey only, ready patches only): a grazing candidate, as {@link
   * Lifecycle#grazeDistanceSq}, then something to steer to if inside the view cone.
   */
  void seeFood(FoodField field, int f) {
    if (kind != WorldRules.PREY || field.timer[f] != 0) {
      return;
    }
    float dx = torus.dx(sx, field.x[f]);
    float dy = torus.dy(sy, field.y[f]);
    float d2 = dx * dx + dy * dy;
    graze(f, d2);
    if (d2 > viewSq || !inCone(dx, dy, d2)) {
      return;
    }
    food(f, dx, dy, d2);
  }

  /** Same-species neighbours in view and their fixed-point sums, found by a sweep. */
  void addSame(
      int n, long alignX, long alignY, long cohereX, long cohereY, long sepaX, long sepaY) {
    same += n;
    aliX += alignX;
    aliY += alignY;
    cohX += cohereX;
    cohY += cohereY;
    sepX += sepaX;
    sepY += sepaY;
  }

  // Sweeps report candidates that passed a test as lane bits: bit b of lanes is slot (or patch)
  // k + b. One call per batch; the offsets are recomputed here exactly as see() computes them.

  /** Prey slots found by a sweep to touch this predator. */
  void biteAt(int k, long lanes) {
    for (long m = lanes; m != 0; m &= m - 1) {
      int j = k + Long.numberOfTrailingZeros(m);
      float dx = torus.dx(sx, nb.x[j]);
      float dy = torus.dy(sy, nb.y[j]);
      bite(j, dx * dx + dy * dy);
    }
  }

  /** Slots of the same species found by a sweep in view and cone. */
  void sameAt(int k, long lanes) {
    for (long m = lanes; m != 0; m &= m - 1) {
      int j = k + Long.numberOfTrailingZeros(m);
      float dx = torus.dx(sx, nb.x[j]);
      float dy = torus.dy(sy, nb.y[j]);
      same(j, dx, dy, dx * dx + dy * dy);
    }
  }

  /** Slots of the other species found by a sweep in view and cone. */
  void otherAt(int k, long lanes) {
    for (long m = lanes; m != 0; m &= m - 1) {
      int j = k + Long.numberOfTrailingZeros(m);
      float dx = torus.dx(sx, nb.x[j]);
      float dy = torus.dy(sy, nb.y[j]);
      other(j, dx, dy, dx * dx + dy * dy);
    }
  }

  /** Ready patches found by a sweep in grazing reach. */
  void grazeAt(FoodField field, int k, long lanes) {
    for (long m = lanes; m != 0; m &= m - 1) {
      int f = k + Long.numberOfTrailingZeros(m);
      float dx = torus.dx(sx, field.x[f]);
      float dy = torus.dy(sy, field.y[f]);
      graze(f, dx * dx + dy * dy);
    }
  }

  /** Ready patches found by a sweep in view and cone. */
  void foodAt(FoodField field, int k, long lanes) {
    for (long m = lanes; m != 0; m &= m - 1) {
      int f = k + Long.numberOfTrailingZeros(m);
      float dx = torus.dx(sx, field.x[f]);
      float dy = torus.dy(sy, field.y[f]);
      food(f, dx, dy, dx * dx + dy * dy);
    }
  }

  private void bite(int j, float d2) {
    float reach = size + nb.size[j];
    if (d2 < reach * reach && (bite < 0 || Lifecycle.nearer(d2, nb.id[j], biteD2, biteId))) {
      bite = j;
      biteId = nb.id[j];
      biteD2 = d2;
    }
  }

  private void same(int j, float dx, float dy, float d2) {
    same++;
    aliX += fixed(nb.vx[j]);
    aliY += fixed(nb.vy[j]);
    cohX += fixed(dx);
    cohY += fixed(dy);
    if (d2 < sepRadiusSq && d2 > 1e-4f) {
      sepX += fixed(-dx / d2);
      sepY += fixed(-dy / d2);
    }
  }

  private void other(int j, float dx, float dy, float d2) {
    long id = nb.id[j];
    if (other < 0 || d2 < otherD2 || (d2 == otherD2 && id < otherId)) {
      other = j;
      otherId = id;
      otherD2 = d2;
      otherDx = dx;
      otherDy = dy;
    }
  }

  private void graze(int f, float d2) {
    if (d2 < grazeReachSq && (graze < 0 || Lifecycle.nearer(d2, f, grazeD2, graze))) {
      graze = f;
      grazeD2 = d2;
    }
  }

  private void food(int f, float dx, float dy, float d2) {
    if (food < 0 || d2 < foodD2 || (d2 == foodD2 && f < food)) {
      food = f;
      foodD2 = d2;
      foodDx = dx;
      foodDy = dy;
    }
  }

  /** The prey slot this predator bites (nearest in contact, ties to the lower id), or -1. */
  int bite() {
    return bite;
  }

  /** The food patch this prey grazes (nearest in reach, ties to the lower index), or -1. */
  int graze() {
    return graze;
  }

  /** Whether it has seen one of the other species so far (prey: a predator to flee). */
  boolean seesOther() {
    return other >= 0;
  }

  /** Same-species neighbours seen: crowding blocks reproduction. */
  int sameSeen() {
    return same;
  }

  /**
   * Sets {@link #newVx}/{@link #newVy}: boids terms, then fleeing (prey) or hunting (predators), or
   * grazing, plus a seeded jitter; the force and then the speed are clamped.
   */
  void steer(long seed, long tick) {
    EntityTable t = table;
    int i = row;
    float ax = 0;
    float ay = 0;
    if (same > 0) {
      float n = same;
      ax += WorldRules.SEPARATION_WEIGHT * unfixed(sepX);
      ay += WorldRules.SEPARATION_WEIGHT * unfixed(sepY);
      ax += WorldRules.ALIGNMENT_WEIGHT * (unfixed(aliX) / n - svx);
      ay += WorldRules.ALIGNMENT_WEIGHT * (unfixed(aliY) / n - svy);
      ax += WorldRules.COHESION_WEIGHT * (unfixed(cohX) / n);
      ay += WorldRules.COHESION_WEIGHT * (unfixed(cohY) / n);
    }
    float max = t.maxSpeed[i];
    if (kind == WorldRules.PREY && other >= 0) {
      float w = WorldRules.FLEE_WEIGHT * (1.5f - t.aggression[i]);
      float d = length(otherDx, otherDy);
      if (d > 0) {
        ax += w * (-otherDx / d * max - svx);
        ay += w * (-otherDy / d * max - svy);
      }
    } else if (kind == WorldRules.PREY && food >= 0) {
      float d = length(foodDx, foodDy);
      if (d > 0) {
        ax += WorldRules.FOOD_WEIGHT * (foodDx / d * max - svx);
        ay += WorldRules.FOOD_WEIGHT * (foodDy / d * max - svy);
      }
    } else if (kind == WorldRules.PREDATOR && other >= 0) {
      float w = WorldRules.HUNT_WEIGHT * (0.5f + t.aggression[i]);
      float d = length(otherDx, otherDy);
      if (d > 0) {
        ax += w * (otherDx / d * max - svx);
        ay += w * (otherDy / d * max - svy);
      }
    }
    long jitter = Rng.bits(seed, t.id[i], tick, Rng.JITTER);
    ax += WorldRules.JITTER * Rng.signed24(jitter, 40);
    ay += WorldRules.JITTER * Rng.signed24(jitter, 16);
    float force = length(ax, ay);
    if (force > WorldRules.MAX_FORCE) {
      float s = WorldRules.MAX_FORCE / force;
      ax *= s;
      ay *= s;
    }
    float vx = svx + ax;
    float vy = svy + ay;
    float v = length(vx, vy);
    if (v > max) {
      float s = max / v;
      vx *= s;
      vy *= s;
    }
    newVx = vx;
    newVy = vy;
  }

  /**
   * Straight ahead within the half-angle whose cosine is the gene (dot >= cos × |v| × |d|); a still
   * entity sees around. Compared in squares, minding signs, to save a square root per pair.
   */
  boolean inCone(float dx, float dy, float d2) {
    if (speed == 0 || d2 == 0) {
      return true;
    }
    float dot = svx * dx + svy * dy;
    float boundSq = coneSq * d2;
    if (viewCos >= 0) {
      return dot >= 0 && dot * dot >= boundSq;
    }
    return dot >= 0 || dot * dot <= boundSq;
  }

  static float length(float x, float y) {
    return (float) Math.sqrt(x * x + y * y);
  }

  static long fixed(float v) {
    return (long) (v * WorldRules.FIXED_SCALE);
  }

  private static float unfixed(long v) {
    return v / WorldRules.FIXED_SCALE;
  }
}
