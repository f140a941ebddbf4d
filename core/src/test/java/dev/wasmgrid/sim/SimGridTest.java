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
