package dev.wasmgrid.sim.live;

import dev.wasmgrid.sim.EntityTable;
import dev.wasmgrid.sim.FrameCodec;
import dev.wasmgrid.sim.PartitionedSim;
import dev.wasmgrid.sim.coordinator.DistributedSim;
import dev.wasmgrid.sim.coordinator.PartitionLink;
import dev.wasmgrid.sim.coordinator.SimHost;
import dev.wasmgrid.sim.worker.PartitionAssignment;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DistributedSim} over the coordinator's workers. Every host is wrapped so that each
 * partition's calls are timed (the perf overlay) and its newest link is known: the viewer reads
 * positions from the partitions' checkpoint frames between ticks, as the driver's own hash does.
 */
final class WorkerEngine implements SimEngine {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerEngine.class);

  /** Ticks between checkpoints: a failed worker costs at most this many ticks of replay. */
  static final int CHECKPOINT_EVERY = 50;

  private final int partitions;
  private final AtomicLongArray nanos;
  private final AtomicReferenceArray<PartitionLink> links;
  private final DistributedSim sim;

  WorkerEngine(LiveSimRequest spec, List<SimHost> hosts) {
    partitions = spec.partitions();
    nanos = new AtomicLongArray(partitions);
    links = new AtomicReferenceArray<>(partitions);
    List<SimHost> timed = new ArrayList<>();
    for (SimHost host : hosts) {
      timed.add(new TimedHost(host));
    }
    sim =
        new DistributedSim(
            spec.config(),
            partitions,
            timed,
            CHECKPOINT_EVERY,
            PartitionedSim.DEFAULT_REBALANCE_EVERY,
            LOG::info);
  }

  @Override
  public void step() {
    for (int p = 0; p < partitions; p++) {
      nanos.set(p, 0);
    }
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
    EntityTable all = new EntityTable(0);
    int[] bounds = sim.bounds();
    List<PartitionStatus> list = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      PartitionLink link = links.get(p);
      byte[] state = state(link);
      int owned = 0;
      if (state != null) {
        EntityTable rows = FrameCodec.decode(state).entities();
        owned = rows.count();
        for (int i = 0; i < owned; i++) {
          all.appendRow(rows, i);
        }
      }
      list.add(
          new PartitionStatus(
              link == null ? "?" : link.host().name(),
              owned,
              nanos.get(p),
              state == null ? PartitionStatus.UNREACHABLE : PartitionStatus.WORKER,
              PartitionStatus.left(bounds, p)));
    }
    return new View(all, list);
  }

  @Override
  public int recoveries() {
    return sim.recoveries();
  }

  @Override
  public void regrowFood() {
    sim.regrowFood();
  }

  @Override
  public void close() {
    sim.close();
  }

  /** A partition's checkpoint frame, or null when its host cannot be reached now. */
  private static byte[] state(PartitionLink link) {
    if (link == null) {
      return null;
    }
    try {
      return link.state();
    } catch (IOException e) {
      // The next tick's phases notice the same failure and recover; this frame shows it.
      return null;
    }
  }

  private final class TimedHost implements SimHost {
    private final SimHost host;

    TimedHost(SimHost host) {
      this.host = host;
    }

    @Override
    public String name() {
      return host.name();
    }

    @Override
    public PartitionLink create(PartitionAssignment spec, Optional<byte[]> checkpoint)
        throws IOException {
      PartitionLink link = new TimedLink(host.create(spec, checkpoint), spec.index(), this);
      links.set(spec.index(), link);
      return link;
    }
  }

  private final class TimedLink implements PartitionLink {
    private final PartitionLink link;
    private final int index;
    private final SimHost host;

    TimedLink(PartitionLink link, int index, SimHost host) {
      this.link = link;
      this.index = index;
      this.host = host;
    }

    @Override
    public byte[][] migrate(long tick, int[] bounds) throws IOException {
      long t0 = System.nanoTime();
      byte[][] frames = link.migrate(tick, bounds);
      nanos.addAndGet(index, System.nanoTime() - t0);
      return frames;
    }

    @Override
    public byte[][] ghosts(long tick, List<byte[]> migrants) throws IOException {
      long t0 = System.nanoTime();
      byte[][] frames = link.ghosts(tick, migrants);
      nanos.addAndGet(index, System.nanoTime() - t0);
      return frames;
    }

    @Override
    public void step(long tick, List<byte[]> ghosts) throws IOException {
      long t0 = System.nanoTime();
      link.step(tick, ghosts);
      nanos.addAndGet(index, System.nanoTime() - t0);
    }

    @Override
    public void regrowFood(long tick) throws IOException {
      link.regrowFood(tick);
    }

    @Override
    public long[] costs() throws IOException {
      return link.costs();
    }

    @Override
    public byte[] state() throws IOException {
      return link.state();
    }

    @Override
    public SimHost host() {
      return host;
    }

    @Override
    public void release() {
      link.release();
    }
  }
}
