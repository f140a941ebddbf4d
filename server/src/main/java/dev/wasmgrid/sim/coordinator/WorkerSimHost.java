package dev.wasmgrid.sim.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.sim.worker.PartitionAssignment;
import dev.wasmgrid.sim.worker.PartitionMessage;
import dev.wasmgrid.sim.worker.PartitionService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * A worker hosting partitions, reached through its {@link WorkerClient} as matmul reaches it (its
 * timeout and token apply). A worker that cannot be reached or stays silent past the timeout is an
 * {@link IOException} (the worker is gone); an error answer becomes an {@link
 * IllegalStateException} with the worker's message.
 */
public final class WorkerSimHost implements SimHost {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final WorkerClient worker;

  /** A host for partitions on the worker {@code worker} reaches. */
  public WorkerSimHost(WorkerClient worker) {
    this.worker = worker;
  }

  @Override
  public String name() {
    return worker.name();
  }

  @Override
  public PartitionLink create(PartitionAssignment spec, Optional<byte[]> checkpoint)
      throws IOException {
    // The tick is the checkpoint's, or 0 for the initial world; the bundle's own is not read.
    PartitionMessage body =
        new PartitionMessage(
            0, spec.toValues(), checkpoint.map(List::of).orElse(List.<byte[]>of()));
    byte[] answer = call("POST", PartitionService.LIST, body.encode(), 201);
    JsonNode created = JSON.readTree(new String(answer, StandardCharsets.UTF_8));
    String id = created.path("id").asText("");
    if (id.isEmpty()) {
      throw new IllegalStateException(name() + " created a partition without an id: " + created);
    }
    return new Link(PartitionService.LIST + "/" + id);
  }

  /** One request with a {@link PartitionMessage} body, or none when {@code body} is null. */
  private byte[] call(String method, String path, byte[] body, int expected) throws IOException {
    Reply reply =
        worker.exchange(
            method,
            path,
            body == null ? "" : PartitionMessage.MEDIA_TYPE,
            body == null ? new byte[0] : body);
    if (reply.status() != expected) {
      throw new IllegalStateException(
          name()
              + path
              + " answered "
              + reply.status()
              + ": "
              + new String(reply.body(), StandardCharsets.UTF_8));
    }
    return reply.body();
  }

  private final class Link implements PartitionLink {
    private final String path;

    Link(String path) {
      this.path = path;
    }

    @Override
    public byte[][] migrate(long tick, int[] bounds) throws IOException {
      long[] values = new long[bounds.length];
      for (int i = 0; i < bounds.length; i++) {
        values[i] = bounds[i];
      }
      return frames(phase("migrate", new PartitionMessage(tick, values, List.of())));
    }

    @Override
    public byte[][] ghosts(long tick, List<byte[]> migrants) throws IOException {
      return frames(phase("ghosts", PartitionMessage.ofFrames(tick, migrants)));
    }

    @Override
    public void step(long tick, List<byte[]> ghosts) throws IOException {
      phase("step", PartitionMessage.ofFrames(tick, ghosts));
    }

    @Override
    public void regrowFood(long tick) throws IOException {
      phase("food", PartitionMessage.of(tick));
    }

    @Override
    public long[] costs() throws IOException {
      return PartitionMessage.decode(call("GET", path + "/costs", null, 200)).values();
    }

    @Override
    public byte[] state() throws IOException {
      return call("GET", path + "/state", null, 200);
    }

    @Override
    public SimHost host() {
      return WorkerSimHost.this;
    }

    @Override
    public void release() {
      try {
        call("DELETE", path, null, 204);
      } catch (IOException | RuntimeException e) {
        // A partition on a dead or restarted worker is gone already.
      }
    }

    private PartitionMessage phase(String phase, PartitionMessage in) throws IOException {
      return PartitionMessage.decode(call("POST", path + "/phase/" + phase, in.encode(), 200));
    }

    private static byte[][] frames(PartitionMessage out) {
      return out.frames().toArray(new byte[0][]);
    }
  }
}
