/**
 * Live simulations for the viewer: {@code POST /v1/sim} starts one, a loop thread steps it at the
 * asked speed, and its frames (quantized positions, species, per-species population, per-partition
 * tick time and status) go to WebSocket clients at most 60 times a second.
 */
package dev.wasmgrid.sim.live;
