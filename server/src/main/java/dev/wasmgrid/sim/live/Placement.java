package dev.wasmgrid.sim.live;

import java.util.Locale;

/** Where a live simulation's partitions run. */
public enum Placement {
  /** On threads of the coordinator: {@link dev.wasmgrid.sim.PartitionedSim}. */
  LOCAL,
  /**
   * On the coordinator's workers behind the partition protocol ({@link
   * dev.wasmgrid.sim.coordinator.DistributedSim}); the embedded default's in-process worker hosts
   * them in this JVM.
   */
  WORKERS;

  /** The name used in the API. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
