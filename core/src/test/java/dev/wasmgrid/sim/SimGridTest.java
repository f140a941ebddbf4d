package dev.wasmgrid.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Grid queries and load balancing, against brute force and hand-made cases. */
class SimGridTest {

  @Test
  void runsAroundHoldEveryPointWithinTheRadiusOnTheTorusOnce() {
    // A small world (4 × 3 cells) where queries wrap and overlap themselves.
    float cell = 20;
    Torus torus = new Torus(80, 60);
    SpatialGrid grid = new SpatialGrid(4, 3, cell);
    int n = 200;
    float[] x = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = Rng.unit(1, i, 0, 1) * 80;
      y[i] = Rng.unit(1, i, 0, 2) * 60;
    }
    x[0] = 0f; // on the seam
    x[1] = 79.99999f;
    grid.build(x, y, n);
    int[] around = new int[grid.maxRuns(40.5f)];
    for (float r : new float[] {3f, 19.9f, 20f, 40.5f}) {
      for (int i = 0; i < n; i++) {
        int runs = grid.runsAround(x[i], y[i], r, around);
        Set<Integer> found = new HashSet<>();
        for (int a = 0; a < runs; a += 2) {
          for (int k = around[a]; k < around[a + 1]; k++) {
            assertThat(found.add(grid.items[k])).as("point offered twice").isTrue();
          }
        }
        for (int j = 0; j < n; j++) {
          float dx = torus.dx(x[i], x[j]);
          float dy = torus.dy(y[i], y[j]);
          if (Math.abs(dx) <= r && Math.abs(dy) <= r) {
            assertThat(found).as("point %d around %d, r %s", j, i, r).contains(j);
          }
        }
      }
    }
  }

  @Test
  void ownerWithALikelyStripAnswersAsTheFullSearch() {
    SimConfig config = SimConfig.of(10_000, 7);
    StripLayout layout = StripLayout.of(config, new int[] {0, 3, 9, 12, config.columns()});
    float width = config.width();
    for (int k = 0; k <= 4000; k++) {
      // Every column, both edges of each, and the world's own edges.
      float x = k == 4000 ? Math.nextDown(width) : k * width / 4000;
      for (float probe : new float[] {x, Math.nextUp(x), Math.nextDown(x)}) {
        if (probe < 0 || probe >= width) {
          continue;
        }
        for (int likely = 0; likely < layout.partitions(); likely++) {
          assertThat(layout.ownerOf(probe, likely))
              .as("x %s", probe)
              .isEqualTo(layout.ownerOf(probe));
        }
      }
    }
  }

  @Test
  void retainUnorderedKeepsExactlyTheFlaggedRows() {
    EntityTable t = new EntityTable(4);
    int n = 50;
    boolean[] keep = new boolean[n];
    Set<Long> kept = new HashSet<>();
    for (int i = 0; i < n; i++) {
      t.append(i, (byte) (i % 2), i, i, -i, 1, 2, 3, 4, 5, 6, 7, 8);
      // The last rows leave too, and runs of leavers, so that gaps are filled from every position.
      keep[i] = i % 3 != 0 && i < 47;
      if (keep[i]) {
        kept.add((long) i);
      }
    }
    t.retainUnordered(keep);
    assertThat(t.count()).isEqualTo(kept.size());
    Set<Long> seen = new HashSet<>();
    for (int r = 0; r < t.count(); r++) {
      long id = t.id(r);
      assertThat(seen.add(id)).as("row %d twice", id).isTrue();
      // Every field travelled with its row.
      assertThat(t.age[r]).isEqualTo((int) id);
      assertThat(t.y[r]).isEqualTo((float) -id);
      assertThat(t.species(r)).isEqualTo((byte) (id % 2));
    }
    assertThat(seen).isEqualTo(kept);
  }

  @Test
  void balancerSplitsCostEvenlyWithinWidthLimits() {
    long[] uniform = new long[12];
    java.util.Arrays.fill(uniform, 10);
    assertThat(LoadBalancer.balance(uniform, 3, 2)).containsExactly(0, 4, 8, 12);

    long[] bunched = new long[12];
    bunched[0] = 100;
    bunched[1] = 100;
    bunched[2] = 100;
    bunched[3] = 100;
    // All cost in columns 0-3: strips as narrow as allowed on the left, the rest takes the tail.
    assertThat(LoadBalancer.balance(bunched, 4, 1)).containsExactly(0, 1, 2, 3, 12);
    assertThat(LoadBalancer.balance(bunched, 4, 2)).containsExactly(0, 2, 4, 6, 12);
  }
}
