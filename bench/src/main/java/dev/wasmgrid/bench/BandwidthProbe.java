package dev.wasmgrid.bench;

import java.util.List;
import java.util.Map;

/**
 * This machine's memory read bandwidth by thread count, measured when asked ({@link
 * MemoryBandwidth}) so that a cell's {@code roofline_fraction} compares its decoding with the
 * bandwidth of the same minutes.
 */
@FunctionalInterface
interface BandwidthProbe {
  /** GB/s read now with each of {@code threadCounts}; a count left out has no figure. */
  Map<Integer, Double> rates(List<Integer> threadCounts);
}
