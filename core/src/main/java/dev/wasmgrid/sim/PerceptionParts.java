package dev.wasmgrid.sim;

import java.util.function.IntConsumer;

/**
 * A step's perception cut into {@code count} parts, {@code 0 .. count - 1}: each part writes the
 * rows of its own slots only, so parts may run in any order and on several threads at once, and the
 * world comes out the same ({@link NeighbourSweep#perceiveOwned}).
 */
record PerceptionParts(int count, IntConsumer part) {}
