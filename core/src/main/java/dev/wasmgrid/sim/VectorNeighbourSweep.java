package dev.wasmgrid.sim;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link NeighbourSweep} on the Vector API: JVM only (the browser build never reaches it; the JVM
 * entry points choose it). Eight candidates at a time get their torus offset, squared distance and
 * view-radius, view-cone and contact tests as lane masks; then each lane that passed goes to the
 * exact scalar rule it passed for ({@link Perception#sameAt}, {@link Perception#otherAt}, {@link
 * Perception#biteAt}, ...: one call per batch with the lane bits), which recomputes its offset in
 * scalar code and applies it. The tests are the same IEEE operations as {@link Perception#see}'s in
 * the same order (no fused multiply-add), so the lanes pass exactly where the scalar tests would,
 * and what is summed is computed by the scalar code: the result is the scalar sweep's bit for bit.
 * What the vectors save is the branch per candidate on a random outcome (in view? in the cone?).
 *
 * <p>Kept small on purpose: a vector that crosses a call C2 did not inline is boxed on the heap,
 * and one big method hits C2's inlining node limit; so the vector work is one small method per
 * batch that returns plain bit masks, there are no masked loads (a batch that would read past an
 * array goes to the scalar rules), and no vector or mask is chosen by a branch.
 */
public final class VectorNeighbourSweep extends NeighbourSweep {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
  private static final int L = F.length();
  private static final FloatVector IOTA = FloatVector.zero(F).addIndex(1);

  /** The Vector API sweep (stateless; share one). */
  public VectorNeighbourSweep() {}

  @Override
  void entities(Perception p, int from, int to) {
    Neighbours nb = p.nb;
    // d2 <= this holds for every lane when the looker is still (it sees all around), else only
    // for d2 == 0: Perception.inCone's two shortcuts in one compare.
    float allAround = p.speed == 0 ? Float.POSITIVE_INFINITY : 0f;
    boolean wide = p.viewCos < 0;
    boolean predator = p.kind == WorldRules.PREDATOR;
    for (int k = from; k < to; k += L) {
      if (k + L > nb.kinds.length) {
        for (int j = k; j < to; j++) {
          p.see(j);
        }
        return;
      }
      long bits = entityMasks(p, nb, k, to, wide, allAround, predator);
      p.sameAt(k, bits & 0xFF);
      if (bits > 0xFF) {
        p.otherAt(k, (bits >>> 8) & 0xFF);
        p.biteAt(k, bits >>> 16);
      }
    }
  }

  @Override
  void food(Perception p, FoodField field, int from, int to) {
    float allAround = p.speed == 0 ? Float.POSITIVE_INFINITY : 0f;
    boolean wide = p.viewCos < 0;
    for (int k = from; k < to; k += L) {
      if (k + L > field.x.length) {
        for (int f = k; f < to; f++) {
          p.seeFood(field, f);
        }
        return;
      }
      long bits = foodMasks(p, field, k, to, wide, allAround);
      if (bits != 0) {
        p.grazeAt(field, k, bits & 0xFF);
        p.foodAt(field, k, bits >>> 8);
      }
    }
  }

  /**
   * Lanes of slots {@code k .. k + 7} (those before {@code to}, not the looker's own): bits 0-7
   * same species in view and cone, bits 8-15 other species in view and cone, bits 16-23 prey in
   * contact (predators only).
   */
  private static long entityMasks(
      Perception p, Neighbours nb, int k, int to, boolean wide, float allAround, boolean predator) {
    VectorMask<Float> valid =
        IOTA.compare(VectorOperators.LT, (float) (to - k))
            .and(IOTA.compare(VectorOperators.NE, (float) (p.self - k)));
    FloatVector dx = offset(FloatVector.fromArray(F, nb.x, k).sub(p.sx), p.torus.width);
    FloatVector dy = offset(FloatVector.fromArray(F, nb.y, k).sub(p.sy), p.torus.height);
    FloatVector d2 = dx.mul(dx).add(dy.mul(dy));
    FloatVector kinds = FloatVector.fromArray(F, nb.kinds, k);
    VectorMask<Float> kindSame = kinds.compare(VectorOperators.EQ, (float) p.kind);
    VectorMask<Float> seen =
        valid
            .and(d2.compare(VectorOperators.LE, p.viewSq))
            .and(cone(p, wide, allAround, dx, dy, d2));
    long bits = seen.and(kindSame).toLong() | seen.andNot(kindSame).toLong() << 8;
    if (predator) {
      FloatVector reach = FloatVector.fromArray(F, nb.size, k).add(p.size);
      VectorMask<Float> prey = kinds.compare(VectorOperators.EQ, (float) WorldRules.PREY);
      bits |= valid.and(prey).and(d2.compare(VectorOperators.LT, reach.mul(reach))).toLong() << 16;
    }
    return bits;
  }

  /**
   * Ready patches among {@code k .. k + 7} (those before {@code to}): bits 0-7 in grazing reach,
   * bits 8-15 in view and cone.
   */
  private static long foodMasks(
      Perception p, FoodField field, int k, int to, boolean wide, float allAround) {
    VectorMask<Float> ready =
        IOTA.compare(VectorOperators.LT, (float) (to - k))
            .and(IntVector.fromArray(I, field.timer, k).compare(VectorOperators.EQ, 0).cast(F));
    FloatVector dx = offset(FloatVector.fromArray(F, field.x, k).sub(p.sx), p.torus.width);
    FloatVector dy = offset(FloatVector.fromArray(F, field.y, k).sub(p.sy), p.torus.height);
    FloatVector d2 = dx.mul(dx).add(dy.mul(dy));
    VectorMask<Float> grazes = ready.and(d2.compare(VectorOperators.LT, p.grazeReachSq));
    VectorMask<Float> seen =
        ready
            .and(d2.compare(VectorOperators.LE, p.viewSq))
            .and(cone(p, wide, allAround, dx, dy, d2));
    return grazes.toLong() | seen.toLong() << 8;
  }

  /** {@link Torus#dx} lane by lane: {@code d} is {@code to - from}, {@code size} the world's. */
  private static FloatVector offset(FloatVector d, float size) {
    float half = size / 2;
    return d.blend(d.sub(size), d.compare(VectorOperators.GT, half))
        .blend(d.add(size), d.compare(VectorOperators.LT, -half));
  }

  /**
   * {@link Perception#inCone} lane by lane: narrow cones (cos >= 0) need the neighbour ahead and
   * within the angle, wide ones either.
   */
  private static VectorMask<Float> cone(
      Perception p, boolean wide, float allAround, FloatVector dx, FloatVector dy, FloatVector d2) {
    FloatVector dot = dx.mul(p.svx).add(dy.mul(p.svy));
    FloatVector dotSq = dot.mul(dot);
    FloatVector bound = d2.mul(p.coneSq);
    VectorMask<Float> ahead = dot.compare(VectorOperators.GE, 0f);
    VectorMask<Float> inside =
        ahead
            .and(dotSq.compare(VectorOperators.GE, bound))
            .or(ahead.or(dotSq.compare(VectorOperators.LE, bound)).and(F.maskAll(wide)));
    return inside.or(d2.compare(VectorOperators.LE, allAround));
  }
}
