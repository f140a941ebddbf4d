package dev.wasmgrid.sim.worker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Request;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.sim.EntityBudget;
import dev.wasmgrid.sim.HostedPartition;
import dev.wasmgrid.sim.NativeNeighbourSweep;
import dev.wasmgrid.sim.NeighbourSweep;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The worker's simulation-partition routes (docs/api.md, "Simulation partitions"): create, run one
 * phase of a tick, read the state for a checkpoint or the column costs for load balancing, list,
 * delete. Every body is a {@link PartitionMessage}; frames are never JSON. Requests for one
 * partition are served one at a time.
 */
public final class PartitionService implements Service {
  /** The path listing and creating partitions. */
  public static final String LIST = "/v1/sim/partitions";

  static final String PARTITION = LIST + "/{id}";
  private static final String PHASE = PARTITION + "/phase/{phase}";
  private static final String STATE = PARTITION + "/state";
  private static final String COSTS = PARTITION + "/costs";

  /** A worker is a JVM: the Vector API sweep (same results as the browser's plain one). */
  private static final NeighbourSweep SWEEP = NativeNeighbourSweep.fastest();

  private final SimPartitions store;
  private final long maxBody;

  /**
   * @param maxBody the largest request body accepted (the server's {@code --max-body})
   */
  public PartitionService(SimPartitions store, long maxBody) {
    this.store = store;
    this.maxBody = maxBody;
  }

  @Override
  public void routing(Routes routes) {
    routes.get(LIST, req -> list());
    routes.post(LIST, this::create);
    routes.post(PHASE, this::phase);
    routes.get(STATE, this::state);
    routes.get(COSTS, this::costs);
    routes.delete(PARTITION, this::delete);
  }

  private Reply list() {
    ArrayNode parts = JsonNodeFactory.instance.arrayNode();
    for (Map.Entry<String, HostedPartition> e : store.list()) {
      synchronized (e.getValue()) {
        parts.add(describe(e.getKey(), e.getValue()));
      }
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.set("partitions", parts);
    body.put("max", store.maxPartitions());
    return Reply.ok(body.toString());
  }

  private Reply create(Request req) {
    PartitionMessage bundle = PartitionMessage.decode(body(req));
    PartitionAssignment spec = PartitionAssignment.fromValues(bundle.values());
    int entities = spec.config().entities();
    if (entities > store.maxEntities()) {
      // Refused before any table is allocated: filling one would run the heap out.
      throw Failure.tooLarge(
          "too_many_entities",
          "entities",
          "entities must be <= "
              + store.maxEntities()
              + " on this worker, got "
              + entities
              + ": "
              + EntityBudget.reason());
    }
    List<byte[]> frames = bundle.presentFrames();
    if (frames.size() > 1) {
      throw Failure.invalid(
          "invalid_bundle", "", "a create bundle carries at most one checkpoint frame");
    }
    HostedPartition partition;
    try {
      partition =
          frames.isEmpty()
              ? HostedPartition.initial(spec.config(), spec.index(), spec.bounds(), SWEEP)
              : HostedPartition.restore(
                  spec.config(), spec.index(), spec.bounds(), frames.get(0), SWEEP);
    } catch (IllegalArgumentException e) {
      throw Failure.invalid("invalid_config", "", e.getMessage());
    }
    String id =
        store
            .add(partition)
            .orElseThrow(
                () ->
                    new Failure(
                        Failure.Kind.UNAVAILABLE,
                        "too_many_partitions",
                        "",
                        "this worker hosts at most " + store.maxPartitions() + " partitions"));
    return Reply.created(describe(id, partition).toString())
        .withHeader("Location", LIST + "/" + id);
  }

  private Reply phase(Request req) {
    HostedPartition partition = find(req);
    String phase = req.param("phase");
    PartitionMessage in = PartitionMessage.decode(body(req));
    PartitionMessage out;
    synchronized (partition) {
      if (in.tick() != partition.tick()) {
        throw new Failure(
            Failure.Kind.CONFLICT,
            "wrong_tick",
            "tick",
            "this partition is at tick " + partition.tick() + ", the request is for " + in.tick());
      }
      try {
        out =
            switch (phase) {
              case "migrate" -> frames(in.tick(), partition.migrate(toInts(in.values())));
              case "ghosts" -> frames(in.tick(), partition.ghosts(in.presentFrames()));
              case "step" -> {
                partition.step(in.presentFrames());
                yield PartitionMessage.of(partition.tick());
              }
              case "food" -> {
                partition.regrowFood();
                yield PartitionMessage.of(partition.tick());
              }
              default ->
                  throw new Failure(
                      Failure.Kind.NOT_FOUND,
                      "unknown_phase",
                      "phase",
                      "a phase is migrate, ghosts, step or food, not '" + phase + "'");
            };
      } catch (IllegalStateException e) {
        throw new Failure(Failure.Kind.CONFLICT, "wrong_phase", "phase", e.getMessage());
      } catch (IllegalArgumentException e) {
        throw Failure.invalid("invalid_frame", "", e.getMessage());
      }
    }
    return Reply.ok(PartitionMessage.MEDIA_TYPE, out.encode());
  }

  private Reply state(Request req) {
    HostedPartition partition = find(req);
    byte[] checkpoint;
    synchronized (partition) {
      try {
        checkpoint = partition.checkpoint();
      } catch (IllegalStateException e) {
        throw new Failure(Failure.Kind.CONFLICT, "wrong_phase", "", e.getMessage());
      }
    }
    return Reply.ok(PartitionMessage.MEDIA_TYPE, checkpoint);
  }

  private Reply costs(Request req) {
    HostedPartition partition = find(req);
    PartitionMessage out;
    synchronized (partition) {
      try {
        out = PartitionMessage.of(partition.tick(), partition.columnCosts());
      } catch (IllegalStateException e) {
        throw new Failure(Failure.Kind.CONFLICT, "wrong_phase", "", e.getMessage());
      }
    }
    return Reply.ok(PartitionMessage.MEDIA_TYPE, out.encode());
  }

  private Reply delete(Request req) {
    String id = req.param("id");
    if (!store.remove(id)) {
      throw notFound(id);
    }
    return Reply.noContent();
  }

  private byte[] body(Request req) {
    return req.body(maxBody);
  }

  private HostedPartition find(Request req) {
    String id = req.param("id");
    return store.find(id).orElseThrow(() -> notFound(id));
  }

  private static Failure notFound(String id) {
    return new Failure(
        Failure.Kind.NOT_FOUND,
        "partition_not_found",
        "id",
        "no simulation partition '" + id + "' on this worker");
  }

  private static PartitionMessage frames(long tick, byte[][] frames) {
    return PartitionMessage.ofFrames(tick, Arrays.asList(frames));
  }

  private static int[] toInts(long[] values) {
    int[] ints = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      if (values[i] < 0 || values[i] > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("bounds must be >= 0 and fit 32 bits, got " + values[i]);
      }
      ints[i] = (int) values[i];
    }
    return ints;
  }

  private static ObjectNode describe(String id, HostedPartition p) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("id", id);
    node.put("index", p.index());
    node.put("tick", p.tick());
    node.put("owned", p.owned());
    node.put("entities", p.config().entities());
    node.put("seed", p.config().seed());
    return node;
  }
}
