package dev.wasmgrid.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's memory read bandwidth as a plain vectorised read gets it: {@link FloatVector} sums
 * over a {@code float[]} far larger than the caches, the array split into one contiguous part per
 * thread, each part read as four streams, best of several passes at every offset within a cache
 * line (see {@link #LINE_FLOATS}). (On the heap because the project compiles for Java 21, where
 * off-heap segments are a preview API; the array is dropped before any model is measured.) It is
 * the roofline that decoding a model bigger than the caches can approach (each token reads every
 * weight once), measured in the same run as the decoding, so that other load on a shared machine
 * weighs on both alike.
 */
final class MemoryBandwidth {

  /** The buffer {@code bench llm} reads: 512 MiB, sixteen times a 32 MB L3. */
  static final long DEFAULT_BYTES = 512L << 20;

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  /**
   * Floats in a 64-byte cache line. A Java array's payload starts wherever its header leaves it,
   * and 512-bit loads that straddle two lines cost a core about a third of what it draws (in C on
   * this project's Zen 5 EPYC: 24 GB/s misaligned against 34 aligned on one thread, 46 against 57
   * on two), so the passes start at each offset in turn and the best — an aligned one — is the
   * bandwidth.
   */
  private static final int LINE_FLOATS = 16;

  /** Passes per thread count: each of the line's offsets twice. */
  private static final int PASSES = 2 * LINE_FLOATS;

  /** Floats of one iteration of the read loop: four vectors. */
  private static final int STEP = 4 * F.length();

  private MemoryBandwidth() {}

  /**
   * Reads a buffer of {@code bytes} with each of {@code threadCounts} and reports {@code
   * mem_read_gbs} per thread count.
   *
   * @return GB/s (10^9 bytes) by thread count
   */
  static Map<Integer, Double> measure(List<Integer> threadCounts, long bytes, BenchReport report) {
    Map<Integer, Double> out = rates(threadCounts, bytes);
    out.forEach(
        (threads, gbs) -> {
          report.progress(
              "llm: memory read %.1f GB/s with %d thread(s) (best of %d x %d MiB)"
                  .formatted(gbs, threads, PASSES, bytes >> 20));
          report.metric("llm", Map.of("threads", threads), "mem_read_gbs", gbs, "GB/s");
        });
    return out;
  }

  /** Whether a buffer of {@code bytes} fits in the heap now with as much again to spare. */
  static boolean fits(long bytes) {
    Runtime r = Runtime.getRuntime();
    return r.maxMemory() - (r.totalMemory() - r.freeMemory()) >= 2 * bytes;
  }

  /**
   * GB/s (10^9 bytes) reading a buffer of {@code bytes} with each of {@code threadCounts}; the
   * buffer is allocated for the call and dropped after it.
   */
  static Map<Integer, Double> rates(List<Integer> threadCounts, long bytes) {
    long floats = Math.min(Integer.MAX_VALUE - 64, bytes / Float.BYTES);
    // Allocation zeroes the array, so every page is resident before the first timed pass.
    float[] buffer = new float[Math.max(STEP, (int) (floats / STEP * STEP)) + LINE_FLOATS];
    warmUp(buffer);
    Map<Integer, Double> out = new LinkedHashMap<>();
    for (int threads : threadCounts) {
      out.put(threads, bestRate(buffer, threads));
    }
    return out;
  }

  /** Compiles the read loop before anything is timed: the interpreted Vector API is very slow. */
  private static void warmUp(float[] buffer) {
    int span = Math.min(buffer.length, 4096);
    float total = 0;
    for (int i = 0; i < 20_000; i++) {
      total += sum(buffer, 0, span);
    }
    check(total);
  }

  private static double bestRate(float[] buffer, int threads) {
    int part = Math.max(STEP, (buffer.length - LINE_FLOATS) / threads / STEP * STEP);
    long best = Long.MAX_VALUE;
    float total = 0;
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      for (int pass = 0; pass < PASSES; pass++) {
        List<Future<Float>> parts = new ArrayList<>();
        int offset = pass % LINE_FLOATS;
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
          int from = offset + t * part;
          parts.add(pool.submit(() -> sum(buffer, from, from + part)));
        }
        for (Future<Float> f : parts) {
          total += f.get();
        }
        best = Math.min(best, System.nanoTime() - t0);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while measuring memory bandwidth", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("memory bandwidth probe failed", e.getCause());
    }
    check(total);
    return (double) part * Float.BYTES * threads / best;
  }

  /**
   * Σ of {@code s[from, to)} read as four streams side by side, one per quarter of the range: one
   * core keeps more reads in flight that way (on this project's 2-core EPYC, about twice the
   * bandwidth of a single stream), and the fast path's products read their rows so too, so the
   * roofline is what one core can really draw.
   */
  private static float sum(float[] s, int from, int to) {
    int n = F.length();
    int quarter = (to - from) / STEP * n;
    FloatVector a = FloatVector.zero(F);
    FloatVector b = FloatVector.zero(F);
    FloatVector c = FloatVector.zero(F);
    FloatVector d = FloatVector.zero(F);
    for (int at = from; at < from + quarter; at += n) {
      a = a.add(FloatVector.fromArray(F, s, at));
      b = b.add(FloatVector.fromArray(F, s, at + quarter));
      c = c.add(FloatVector.fromArray(F, s, at + 2 * quarter));
      d = d.add(FloatVector.fromArray(F, s, at + 3 * quarter));
    }
    return a.add(b).add(c.add(d)).reduceLanes(VectorOperators.ADD);
  }

  /** Uses the sums, so that the reads cannot be optimised away; the buffer holds zeros. */
  private static void check(float total) {
    if (total != 0) {
      throw new IllegalStateException("memory bandwidth probe read " + total + ", not zeros");
    }
  }
}
