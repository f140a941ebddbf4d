package dev.wasmgrid.sim.worker;

import dev.wasmgrid.sim.EntityBudget;
import dev.wasmgrid.sim.HostedPartition;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulation partitions a worker hosts, by id; at most {@link #maxPartitions()} at once, each
 * of a world of at most {@link #maxEntities()}.
 */
public final class SimPartitions {

  /** Partitions a worker hosts at most unless told otherwise. */
  public static final int DEFAULT_MAX = 64;

  private final Map<String, HostedPartition> byId = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong(1);
  private final int maxPartitions;
  private final int maxEntities;

  /**
   * An empty store holding at most {@code maxPartitions}, of worlds of at most {@code maxEntities}
   * ({@link EntityBudget#ofThisJvm()} is what the heap holds).
   */
  public SimPartitions(int maxPartitions, int maxEntities) {
    if (maxPartitions < 1) {
      throw new IllegalArgumentException("maxPartitions must be >= 1, got " + maxPartitions);
    }
    if (maxEntities < 0) {
      throw new IllegalArgumentException("maxEntities must be >= 0, got " + maxEntities);
    }
    this.maxPartitions = maxPartitions;
    this.maxEntities = maxEntities;
  }

  /** The most entities the world of a partition may have. */
  public int maxEntities() {
    return maxEntities;
  }

  /** The most partitions held at once. */
  public int maxPartitions() {
    return maxPartitions;
  }

  /**
   * Adds a partition and returns its new id, or empty when the store is full.
   *
   * <p>Full is checked before adding, so a burst of creations may pass the bound by the number of
   * concurrent requests at most; that is fine for a limit against runaway drivers.
   */
  public Optional<String> add(HostedPartition partition) {
    if (byId.size() >= maxPartitions) {
      return Optional.empty();
    }
    String id = "p" + nextId.getAndIncrement();
    byId.put(id, partition);
    return Optional.of(id);
  }

  /** The partition with this id. */
  public Optional<HostedPartition> find(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** Removes it; false when there was none. */
  public boolean remove(String id) {
    return byId.remove(id) != null;
  }

  /** Ids and partitions, sorted by id. */
  public List<Map.Entry<String, HostedPartition>> list() {
    return byId.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(e -> Map.entry(e.getKey(), e.getValue()))
        .toList();
  }
}
