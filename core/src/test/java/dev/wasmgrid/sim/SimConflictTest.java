package dev.wasmgrid.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two predators on one prey, two prey on one food patch: the lowest id wins, whatever the storage
 * order of the rows or the partition that owns each claimant.
 */
class SimConflictTest {

  private static final float ENERGY = 50f;

  /** A 200 × 200 world with a single food patch. */
  private static final SimConfig WORLD = new SimConfig(3, 7, 200, 200, 1, false);

  @Test
  void lowerIdPredatorEatsTheContestedPrey() {
    // Prey 10 at (100, 100); predators 5 and 3 touch it from either side (contact < 2 + 2).
    EntityTable rows = new EntityTable(3);
    add(rows, 5, WorldRules.PREDATOR, 102f, 100f);
    add(rows, 10, WorldRules.PREY, 100f, 100f);
    add(rows, 3, WorldRules.PREDATOR, 98f, 100f);
    Map<Long, Float> after = energiesAfterOneTick(rows);
    assertThat(after).doesNotContainKey(10L);
    float meal = Lifecycle.meal(ENERGY);
    assertThat(after.get(3L)).isGreaterThan(ENERGY + meal - 1f);
    assertThat(after.get(5L)).isLessThan(ENERGY);
  }

  @Test
  void lowerIdPreyGrazesTheContestedPatch() {
    FoodField food = new FoodField(WORLD);
    float fx = food.x[0];
    float fy = food.y[0];
    EntityTable rows = new EntityTable(2);
    add(rows, 7, WorldRules.PREY, wrap(fx + 1f), fy);
    add(rows, 4, WorldRules.PREY, wrap(fx - 1f), fy);
    Map<Long, Float> after = energiesAfterOneTick(rows);
    assertThat(after.get(4L)).isGreaterThan(ENERGY + WorldRules.FOOD_ENERGY - 1f);
    assertThat(after.get(7L)).isLessThan(ENERGY);
  }

  @Test
  void outcomeIndependentOfRowOrderAndPartitions() {
    // Claimants on both sides of the 2-partition boundary (x = 100).
    EntityTable forward = new EntityTable(4);
    add(forward, 21, WorldRules.PREDATOR, 101.5f, 50f);
    add(forward, 30, WorldRules.PREY, 99.8f, 50f);
    add(forward, 12, WorldRules.PREDATOR, 98f, 50f);
    add(forward, 40, WorldRules.PREY, 100.5f, 53f);
    EntityTable reversed = new EntityTable(4);
    for (int i = forward.count() - 1; i >= 0; i--) {
      reversed.appendRow(forward, i);
    }
    long expected = run(new ReferenceSim(WORLD, forward));
    assertThat(run(new ReferenceSim(WORLD, reversed))).isEqualTo(expected);
    for (EntityTable rows : new EntityTable[] {forward, reversed}) {
      for (int parts = 1; parts <= 3; parts++) {
        assertThat(run(new PartitionedSim(WORLD, rows, parts, 0, PhaseRunner.SEQUENTIAL)))
            .as("%d partitions", parts)
            .isEqualTo(expected);
      }
    }
  }

  private static long run(Simulation sim) {
    try (sim) {
      for (int t = 0; t < 5; t++) {
        sim.step();
      }
      return sim.stateHash();
    }
  }

  /** Energies by id after one tick, checked equal on the reference and on 2 partitions. */
  private static Map<Long, Float> energiesAfterOneTick(EntityTable rows) {
    ReferenceSim reference = new ReferenceSim(WORLD, rows);
    reference.step();
    try (PartitionedSim fast = new PartitionedSim(WORLD, rows, 2, 0, PhaseRunner.SEQUENTIAL)) {
      fast.step();
      assertThat(fast.stateHash()).isEqualTo(reference.stateHash());
    }
    EntityTable after = reference.entities();
    Map<Long, Float> energies = new HashMap<>();
    for (int i = 0; i < after.count(); i++) {
      energies.put(after.id(i), after.energy(i));
    }
    return energies;
  }

  private static float wrap(float v) {
    return v < 0 ? v + WORLD.width() : v >= WORLD.width() ? v - WORLD.width() : v;
  }

  /** A still, middle-of-the-range entity: speed 1.5, view 20, sees all around, size 2. */
  private static void add(EntityTable t, long id, byte species, float x, float y) {
    t.append(id, species, 40, x, y, 0f, 0f, ENERGY, 1.5f, 20f, -0.8f, 2f, 0.5f);
  }
}
