package dev.wasmgrid.matmul;

/**
 * The dtype-independent GotoBLAS driver: cache blocking, packing order and threading. Everything
 * that touches elements is delegated to a {@link PanelKernel}.
 *
 * <p>Loop order (outer to inner): NC columns of B, KC of the shared dimension (pack B: its KC × NC
 * panel is meant to stay in L3 and each KC × NR micro-panel in L1), MC rows of A (pack A: the MC ×
 * KC block is meant to stay in L2), then NR × MR micro-tiles.
 *
 * @param <T> the primitive array type
 */
final class BlockedGemm<T> {

  /** Block sizes in elements; BlockedGemm rounds mc and nc up to whole micro-panels. */
  record Blocking(int kc, int mc, int nc) {
    Blocking {
      if (kc < 1 || mc < 1 || nc < 1) {
        throw new IllegalArgumentException("block sizes must be positive: " + this);
      }
    }
  }

  /**
   * Below this many multiply-adds (m·k·n, about 160³) a call stays on the calling thread: starting
   * and joining a thread costs some 50 µs, and each band packs its own copy of B, so splitting only
   * pays once one thread would need a few hundred microseconds.
   */
  static final long PARALLEL_MIN_MULADDS = 1L << 22;

  private final PanelKernel<T> kernel;
  private final int kc;
  private final int mc;
  private final int nc;
  private final int threads;
  private final long parallelMinMulAdds;

  /** A smaller {@code parallelMinMulAdds} than the default lets tests split tiny products. */
  BlockedGemm(PanelKernel<T> kernel, Blocking blocking, int threads, long parallelMinMulAdds) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.kernel = kernel;
    this.kc = blocking.kc();
    this.mc = roundUp(blocking.mc(), kernel.mr());
    this.nc = roundUp(blocking.nc(), kernel.nr());
    this.threads = threads;
    this.parallelMinMulAdds = parallelMinMulAdds;
  }

  /** C (m × n) = A (m × k) · B (k × n), all row-major; shapes must already be checked. */
  void multiply(int m, int k, int n, T a, T b, T c) {
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      kernel.fillZero(c, 0, m * n);
      return;
    }
    int mr = kernel.mr();
    int rowPanels = (m + mr - 1) / mr;
    int bands = (long) m * k * n < parallelMinMulAdds ? 1 : Math.min(threads, rowPanels);
    if (bands == 1) {
      band(0, m, k, n, a, b, c);
      return;
    }
    // Fresh platform threads per call: no pool to own or close, and above the threshold their
    // start-up cost is a few percent at most. The calling thread takes band 0.
    Thread[] workers = new Thread[bands - 1];
    Throwable[] failures = new Throwable[bands];
    for (int t = 1; t < bands; t++) {
      int from = bandEdge(t, bands, rowPanels, m);
      int to = bandEdge(t + 1, bands, rowPanels, m);
      int slot = t;
      workers[t - 1] =
          Thread.ofPlatform()
              .name("vector-gemm-" + t)
              .daemon()
              .start(
                  () -> {
                    try {
                      band(from, to, k, n, a, b, c);
                    } catch (Throwable e) { // handed to the caller, which rethrows it
                      failures[slot] = e;
                    }
                  });
    }
    try {
      band(0, bandEdge(1, bands, rowPanels, m), k, n, a, b, c);
    } catch (RuntimeException | Error e) {
      failures[0] = e;
    }
    joinAll(workers);
    for (Throwable failure : failures) {
      if (failure != null) {
        throw new IllegalStateException("a row band failed", failure);
      }
    }
  }

  /** First row of band t: bands hold whole micro-panels so that only the last one has edges. */
  private int bandEdge(int t, int bands, int rowPanels, int m) {
    return Math.min(m, (int) ((long) rowPanels * t / bands) * kernel.mr());
  }

  /**
   * Waits for every worker even when interrupted: returning early would let them keep writing C
   * after the caller has moved on. The interrupt is re-asserted afterwards.
   */
  private static void joinAll(Thread[] workers) {
    boolean interrupted = false;
    for (Thread worker : workers) {
      while (true) {
        try {
          worker.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Rows [rowFrom, rowTo) of C, with this thread's own packing buffers. */
  private void band(int rowFrom, int rowTo, int k, int n, T a, T b, T c) {
    int mr = kernel.mr();
    int nr = kernel.nr();
    int kcMax = Math.min(kc, k);
    int mcMax = Math.min(mc, roundUp(rowTo - rowFrom, mr));
    int ncMax = Math.min(nc, roundUp(n, nr));
    T packedB = kernel.newArray(kcMax * ncMax);
    T packedA = kernel.newArray(mcMax * kcMax);
    T tile = kernel.newArray(mr * nr);
    for (int jc = 0; jc < n; jc += nc) {
      int ncur = Math.min(nc, n - jc);
      for (int pc = 0; pc < k; pc += kc) {
        int kcur = Math.min(kc, k - pc);
        boolean accumulate = pc > 0; // the first slice of k overwrites C, so C needs no clearing
        kernel.packB(b, n, pc, kcur, jc, ncur, packedB);
        for (int ic = rowFrom; ic < rowTo; ic += mc) {
          int mcur = Math.min(mc, rowTo - ic);
          kernel.packA(a, k, ic, mcur, pc, kcur, packedA);
          for (int jr = 0; jr < ncur; jr += nr) {
            int cols = Math.min(nr, ncur - jr);
            for (int ir = 0; ir < mcur; ir += mr) {
              kernel.multiplyTile(
                  kcur,
                  packedA,
                  ir * kcur,
                  packedB,
                  jr * kcur,
                  c,
                  (ic + ir) * n + jc + jr,
                  n,
                  Math.min(mr, mcur - ir),
                  cols,
                  accumulate,
                  tile);
            }
          }
        }
      }
    }
  }

  private static int roundUp(int value, int multiple) {
    return (value + multiple - 1) / multiple * multiple;
  }
}
