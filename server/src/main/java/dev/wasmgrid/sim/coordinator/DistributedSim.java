package dev.wasmgrid.sim.coordinator;

import dev.wasmgrid.http.RequestIds;
import dev.wasmgrid.sim.FrameCodec;
import dev.wasmgrid.sim.HostedPartition;
import dev.wasmgrid.sim.PartitionedSim;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.SimFrame;
import dev.wasmgrid.sim.Simulation;
import dev.wasmgrid.sim.StripLayout;
import dev.wasmgrid.sim.worker.PartitionAssignment;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Drives partitions hosted elsewhere (worker processes over HTTP, or this JVM) through the tick
 * protocol of {@link PartitionedSim}: rebalance every few ticks, then migrate, ghosts and step,
 * each phase sent to every partition at once and awaited (the barrier). The driver carries the
 * frames from each partition's answer to the next phase's requests, so partitions never talk to
 * each other and a worker needs no address but its own.
 *
 * <p>Every {@code checkpointEvery} ticks it pulls each partition's state. When a host fails, every
 * partition is rolled back: all are recreated from the last checkpoint on the hosts still alive (in
 * this JVM when none is) and the ticks since are replayed. The world is deterministic, so the
 * replay reaches the same state the run would have reached without the fault.
 */
public final class DistributedSim implements Simulation {

  private record Checkpoint(long tick, StripLayout layout, List<byte[]> states) {}

  private final SimConfig config;
  private final int partitions;
  private final int checkpointEvery;
  private final int rebalanceEvery;
  private final Consumer<String> log;
  private final List<SimHost> alive;
  private final SimHost fallback = new LocalSimHost();
  private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
  private final long[] phaseNanos = new long[3];
  private List<PartitionLink> links = List.of();
  private Checkpoint checkpoint;
  private int[] bounds;
  private long tick;
  private int recoveries;
  private long replayedTicks;

  /** A host failed during a phase; carries every host that did. */
  private static final class HostFailure extends Exception {
    private static final long serialVersionUID = 1L;
    final transient Set<SimHost> hosts;

    HostFailure(Set<SimHost> hosts, IOException cause) {
      super(cause.getMessage(), cause);
      this.hosts = hosts;
    }
  }

  /**
   * Places {@code partitions} even strips of {@code config}'s initial world on {@code hosts}, round
   * robin.
   *
   * @param checkpointEvery ticks between checkpoints (>= 1)
   * @param rebalanceEvery ticks between load-balancing rounds; 0 keeps the even strips
   * @param log progress and recovery messages
   * @throws IllegalArgumentException for bad counts
   * @throws IllegalStateException when a host refuses to create a partition
   */
  public DistributedSim(
      SimConfig config,
      int partitions,
      List<? extends SimHost> hosts,
      int checkpointEvery,
      int rebalanceEvery,
      Consumer<String> log) {
    if (checkpointEvery < 1) {
      throw new IllegalArgumentException("checkpoint-every must be >= 1, got " + checkpointEvery);
    }
    if (rebalanceEvery < 0) {
      throw new IllegalArgumentException("rebalanceEvery must be >= 0, got " + rebalanceEvery);
    }
    this.config = config;
    this.partitions = partitions;
    this.checkpointEvery = checkpointEvery;
    this.rebalanceEvery = rebalanceEvery;
    this.log = log;
    this.alive = new ArrayList<>(hosts);
    this.bounds = StripLayout.even(config, partitions).bounds();
    this.checkpoint = new Checkpoint(0, StripLayout.of(config, bounds), null);
    place();
  }

  @Override
  public void step() {
    long target = tick + 1;
    while (tick < target) {
      try {
        stepOnce();
        if (tick % checkpointEvery == 0) {
          List<byte[]> states = all((l, p) -> l.state());
          checkpoint = new Checkpoint(tick, StripLayout.of(config, bounds), states);
        }
      } catch (HostFailure failure) {
        recover(failure);
      }
    }
  }

  /**
   * Makes every food patch ready to eat now, between ticks, as {@link
   * dev.wasmgrid.sim.PartitionedSim#regrowFood} does, and checkpoints at once: a replay from an
   * earlier checkpoint would not repeat the change.
   */
  public void regrowFood() {
    long target = tick;
    while (true) {
      try {
        all(
            (l, p) -> {
              l.regrowFood(target);
              return true;
            });
        checkpoint = new Checkpoint(tick, StripLayout.of(config, bounds), all((l, p) -> l.state()));
        return;
      } catch (HostFailure failure) {
        recover(failure);
        while (tick < target) {
          step();
        }
      }
    }
  }

  @Override
  public long tick() {
    return tick;
  }

  @Override
  public int population() {
    return states().stream().mapToInt(s -> frame(s).entities().count()).sum();
  }

  @Override
  public int predators() {
    return states().stream().mapToInt(HostedPartition::predatorsIn).sum();
  }

  /** The bytes of the partitions' state as they travel in checkpoints. */
  @Override
  public long stateBytes() {
    return states().stream().mapToLong(s -> s.length).sum();
  }

  @Override
  public long stateHash() {
    return HostedPartition.stateHash(config, states());
  }

  /** Host failures survived so far. */
  public int recoveries() {
    return recoveries;
  }

  /** Ticks stepped again after rollbacks. */
  public long replayedTicks() {
    return replayedTicks;
  }

  /** Where each partition runs now, by index. */
  public List<String> placement() {
    return links.stream().map(l -> l.host().name()).toList();
  }

  /** Wall time so far per phase, summed over ticks: migrate, ghosts, step (ns; a copy). */
  public long[] phaseNanos() {
    return phaseNanos.clone();
  }

  /** The strips now (a copy). */
  public int[] bounds() {
    return bounds.clone();
  }

  @Override
  public void close() {
    links.forEach(PartitionLink::release);
    calls.shutdownNow();
  }

  private void stepOnce() throws HostFailure {
    if (partitions > 1 && rebalanceEvery > 0 && tick % rebalanceEvery == 0) {
      long[] costs = new long[config.columns()];
      for (long[] c : all((l, p) -> l.costs())) {
        for (int i = 0; i < costs.length; i++) {
          costs[i] += c[i];
        }
      }
      bounds = HostedPartition.balance(config, costs, partitions);
    }
    long t = tick;
    int[] b = bounds;
    long t0 = System.nanoTime();
    List<List<byte[]>> migrants = route(all((l, p) -> l.migrate(t, b)));
    long t1 = System.nanoTime();
    List<List<byte[]>> ghosts = route(all((l, p) -> l.ghosts(t, migrants.get(p))));
    long t2 = System.nanoTime();
    all(
        (l, p) -> {
          l.step(t, ghosts.get(p));
          return true;
        });
    long t3 = System.nanoTime();
    phaseNanos[0] += t1 - t0;
    phaseNanos[1] += t2 - t1;
    phaseNanos[2] += t3 - t2;
    tick++;
  }

  /**
   * Frames by receiver, each list ordered by sender, as {@link dev.wasmgrid.sim.Mailboxes} does.
   */
  private List<List<byte[]>> route(List<byte[][]> sent) {
    List<List<byte[]>> inbox = new ArrayList<>(partitions);
    for (int to = 0; to < partitions; to++) {
      List<byte[]> mine = new ArrayList<>();
      for (byte[][] frames : sent) {
        if (to < frames.length && frames[to] != null) {
          mine.add(frames[to]);
        }
      }
      inbox.add(mine);
    }
    return inbox;
  }

  private List<byte[]> states() {
    long target = tick;
    while (true) {
      try {
        return all((l, p) -> l.state());
      } catch (HostFailure failure) {
        recover(failure);
        while (tick < target) {
          step();
        }
      }
    }
  }

  private void recover(HostFailure failure) {
    alive.removeAll(failure.hosts);
    long lost = tick - checkpoint.tick();
    log.accept(
        "sim: "
            + failure.hosts.stream().map(SimHost::name).toList()
            + " failed at tick "
            + tick
            + " ("
            + failure.getMessage()
            + "); rolling back to the checkpoint of tick "
            + checkpoint.tick()
            + " on "
            + (alive.isEmpty() ? "this JVM" : alive.stream().map(SimHost::name).toList()));
    links.forEach(PartitionLink::release);
    recoveries++;
    replayedTicks += lost;
    place();
  }

  /** Creates every partition from the last checkpoint, retrying without hosts that fail. */
  private void place() {
    while (true) {
      List<SimHost> hosts = alive.isEmpty() ? List.of(fallback) : List.copyOf(alive);
      Checkpoint c = checkpoint;
      try {
        links =
            all(
                p -> {
                  SimHost host = hosts.get(p % hosts.size());
                  Optional<byte[]> state =
                      c.states() == null ? Optional.empty() : Optional.of(c.states().get(p));
                  try {
                    return host.create(new PartitionAssignment(config, p, c.layout()), state);
                  } catch (IOException e) {
                    throw new HostIo(host, e);
                  }
                },
                partitions);
        tick = c.tick();
        bounds = c.layout().bounds();
        return;
      } catch (HostFailure failure) {
        alive.removeAll(failure.hosts);
        log.accept(
            "sim: "
                + failure.hosts.stream().map(SimHost::name).toList()
                + " cannot host partitions ("
                + failure.getMessage()
                + ")");
      }
    }
  }

  private interface PartitionCall<T> {
    T on(PartitionLink link, int partition) throws IOException;
  }

  private interface IndexCall<T> {
    T at(int partition) throws IOException;
  }

  /** An I/O failure tagged with the host it came from (creation has no link yet). */
  private static final class HostIo extends IOException {
    private static final long serialVersionUID = 1L;
    final transient SimHost host;

    HostIo(SimHost host, IOException cause) {
      super(cause.getMessage(), cause);
      this.host = host;
    }
  }

  private <T> List<T> all(PartitionCall<T> call) throws HostFailure {
    List<PartitionLink> now = links;
    return all(
        p -> {
          try {
            return call.on(now.get(p), p);
          } catch (HostIo e) {
            throw e;
          } catch (IOException e) {
            throw new HostIo(now.get(p).host(), e);
          }
        },
        now.size());
  }

  /**
   * Runs {@code call} for every partition at once and waits for all: the barrier. I/O failures are
   * gathered by host; anything else is rethrown.
   */
  private <T> List<T> all(IndexCall<T> call, int count) throws HostFailure {
    List<Future<T>> futures = new ArrayList<>(count);
    for (int p = 0; p < count; p++) {
      int part = p;
      futures.add(calls.submit(RequestIds.carryingResult(() -> call.at(part))));
    }
    List<T> results = new ArrayList<>(count);
    Set<SimHost> failed = new LinkedHashSet<>();
    IOException cause = null;
    RuntimeException error = null;
    for (Future<T> f : futures) {
      try {
        results.add(f.get());
      } catch (ExecutionException e) {
        if (e.getCause() instanceof HostIo io) {
          failed.add(io.host);
          cause = cause == null ? io : cause;
        } else if (error == null) {
          error =
              e.getCause() instanceof RuntimeException r
                  ? r
                  : new IllegalStateException(e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for partitions", e);
      }
    }
    if (error != null) {
      throw error;
    }
    if (!failed.isEmpty()) {
      throw new HostFailure(failed, cause);
    }
    return results;
  }

  private static SimFrame frame(byte[] state) {
    return FrameCodec.decode(state);
  }
}
