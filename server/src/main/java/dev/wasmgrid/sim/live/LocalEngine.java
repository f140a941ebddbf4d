package dev.wasmgrid.sim.live;

import dev.wasmgrid.sim.NativeNeighbourSweep;
import dev.wasmgrid.sim.PartitionedSim;
import dev.wasmgrid.sim.PhaseRunner;
import dev.wasmgrid.sim.ThreadPhases;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntConsumer;

/**
 * {@link PartitionedSim} on threads of the coordinator. The phase runner is wrapped to time every
 * partition's share of each phase: the per-partition tick time of the perf overlay.
 */
final class LocalEngine implements SimEngine {

  /**
   * Times each partition's task, summed over the phases of the current tick: its own work and the
   * parts of other partitions' perception it took over.
   */
  private static final class TimedPhases implements PhaseRunner {
    private final PhaseRunner delegate;
    private final AtomicLongArray nanos;

    TimedPhases(PhaseRunner delegate, int partitions) {
      this.delegate = delegate;
      this.nanos = new AtomicLongArray(partitions);
    }

    void startTick() {
      for (int p = 0; p < nanos.length(); p++) {
        nanos.set(p, 0);
      }
    }

    @Override
    public void run(int partitions, IntConsumer task) {
      delegate.run(
          partitions,
          p -> {
            long t0 = System.nanoTime();
            task.accept(p);
            nanos.addAndGet(p, System.nanoTime() - t0);
          });
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  private final TimedPhases phases;
  private final PartitionedSim sim;
  private final int partitions;

  LocalEngine(LiveSimRequest spec) {
    partitions = spec.partitions();
    // The calling thread computes partition 0 (ThreadPhases), so the pool needs one fewer.
    PhaseRunner runner =
        partitions == 1 ? PhaseRunner.SEQUENTIAL : new ThreadPhases(partitions - 1);
    phases = new TimedPhases(runner, partitions);
    // The JVM's vector sweep: the same world as the browser's plain one, faster.
    sim = new PartitionedSim(spec.config(), partitions, phases, NativeNeighbourSweep.fastest());
  }

  @Override
  public void step() {
    phases.startTick();
    sim.step();
  }

  @Override
  public long tick() {
    return sim.tick();
  }

  @Override
  public long stateHash() {
    return sim.stateHash();
  }

  @Override
  public View view() {
    return new View(sim.entities(), partitions());
  }

  private List<PartitionStatus> partitions() {
    int[] owned = sim.ownedCounts();
    int[] bounds = sim.layout().bounds();
    List<PartitionStatus> list = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      list.add(
          new PartitionStatus(
              "thread " + p,
              owned[p],
              phases.nanos.get(p),
              PartitionStatus.THREAD,
              PartitionStatus.left(bounds, p)));
    }
    return list;
  }

  @Override
  public int recoveries() {
    return 0;
  }

  @Override
  public void regrowFood() {
    sim.regrowFood();
  }

  @Override
  public void close() {
    sim.close();
  }
}
