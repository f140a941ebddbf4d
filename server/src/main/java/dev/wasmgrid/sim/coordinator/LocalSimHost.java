package dev.wasmgrid.sim.coordinator;

import dev.wasmgrid.sim.HostedPartition;
import dev.wasmgrid.sim.NativeNeighbourSweep;
import dev.wasmgrid.sim.NeighbourSweep;
import dev.wasmgrid.sim.worker.PartitionAssignment;
import java.util.List;
import java.util.Optional;

/** Partitions in the driver's own JVM: where a run goes on when every worker is gone. */
public final class LocalSimHost implements SimHost {

  /** The Vector API sweep, as on worker processes (same results as the plain one). */
  private static final NeighbourSweep SWEEP = NativeNeighbourSweep.fastest();

  @Override
  public String name() {
    return "local";
  }

  @Override
  public PartitionLink create(PartitionAssignment spec, Optional<byte[]> checkpoint) {
    HostedPartition p =
        checkpoint.isPresent()
            ? HostedPartition.restore(
                spec.config(), spec.index(), spec.bounds(), checkpoint.get(), SWEEP)
            : HostedPartition.initial(spec.config(), spec.index(), spec.bounds(), SWEEP);
    return new Link(p, this);
  }

  private record Link(HostedPartition partition, SimHost host) implements PartitionLink {
    @Override
    public byte[][] migrate(long tick, int[] bounds) {
      return partition.migrate(bounds);
    }

    @Override
    public byte[][] ghosts(long tick, List<byte[]> migrants) {
      return partition.ghosts(migrants);
    }

    @Override
    public void step(long tick, List<byte[]> ghosts) {
      partition.step(ghosts);
    }

    @Override
    public void regrowFood(long tick) {
      partition.regrowFood();
    }

    @Override
    public long[] costs() {
      return partition.columnCosts();
    }

    @Override
    public byte[] state() {
      return partition.checkpoint();
    }

    @Override
    public void release() {}
  }
}
