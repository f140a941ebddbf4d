/**
 * The ecosystem simulation: a deterministic structure-of-arrays kernel (boids, food, hunting,
 * genes) on a toroidal world, split into vertical strips owned by partitions that exchange ghost
 * zones as binary frames. Everything here except {@link dev.wasmgrid.sim.ThreadPhases} is plain
 * Java that TeaVM can compile for the browser.
 */
package dev.wasmgrid.sim;
