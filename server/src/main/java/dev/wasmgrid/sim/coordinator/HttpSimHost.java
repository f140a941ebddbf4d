package dev.wasmgrid.sim.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.sim.worker.PartitionAssignment;
import dev.wasmgrid.sim.worker.PartitionMessage;
import dev.wasmgrid.sim.worker.PartitionService;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A worker hosting partitions at a base URL such as {@code http://127.0.0.1:8081}, reached with
 * Helidon's WebClient as {@link dev.wasmgrid.grid.HttpWorkerClient} reaches it for matmul. Refused
 * connections, resets and silence past the timeout become {@link IOException}s (the worker is
 * gone); an error answer becomes an {@link IllegalStateException} with the worker's message.
 */
public final class HttpSimHost implements SimHost {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final WebClient http;
  private final Duration timeout;
  private final Optional<String> token;

  /**
   * @param timeout how long one call may stay unanswered before the worker counts as gone
   * @param token sent as a Bearer token when present
   */
  public HttpSimHost(URI base, WebClient http, Duration timeout, Optional<String> token) {
    String text = base.toString();
    this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    this.http = http;
    this.timeout = timeout;
    this.token = token;
  }

  @Override
  public String name() {
    return base;
  }

  @Override
  public PartitionLink create(PartitionAssignment spec, Optional<byte[]> checkpoint)
      throws IOException {
    // The tick is the checkpoint's, or 0 for the initial world; the bundle's own is not read.
    PartitionMessage body =
        new PartitionMessage(
            0, spec.toValues(), checkpoint.map(List::of).orElse(List.<byte[]>of()));
    byte[] answer = call(http.post(), PartitionService.LIST, body.encode(), 201);
    JsonNode created = JSON.readTree(new String(answer, StandardCharsets.UTF_8));
    String id = created.path("id").asText("");
    if (id.isEmpty()) {
      throw new IllegalStateException(base + " created a partition without an id: " + created);
    }
    return new Link(PartitionService.LIST + "/" + id);
  }

  private byte[] call(HttpClientRequest request, String path, byte[] body, int expected)
      throws IOException {
    request.uri(URI.create(base + path)).readTimeout(timeout);
    token.ifPresent(t -> request.header(HeaderNames.AUTHORIZATION, "Bearer " + t));
    if (body != null) {
      request.header(HeaderNames.CONTENT_TYPE, PartitionMessage.MEDIA_TYPE);
    }
    byte[] answer;
    int status;
    try (HttpClientResponse response = body == null ? request.request() : request.submit(body)) {
      answer = response.entity().hasEntity() ? response.as(byte[].class) : new byte[0];
      status = response.status().code();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } catch (RuntimeException e) {
      // Helidon reports refused connections, resets and read timeouts unchecked.
      throw new IOException(base + ": " + e, e);
    }
    if (status != expected) {
      throw new IllegalStateException(
          base + path + " answered " + status + ": " + new String(answer, StandardCharsets.UTF_8));
    }
    return answer;
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
      return PartitionMessage.decode(call(http.get(), path + "/costs", null, 200)).values();
    }

    @Override
    public byte[] state() throws IOException {
      return call(http.get(), path + "/state", null, 200);
    }

    @Override
    public SimHost host() {
      return HttpSimHost.this;
    }

    @Override
    public void release() {
      try {
        call(http.delete(), path, null, 204);
      } catch (IOException | RuntimeException e) {
        // A partition on a dead or restarted worker is gone already.
      }
    }

    private PartitionMessage phase(String phase, PartitionMessage in) throws IOException {
      return PartitionMessage.decode(call(http.post(), path + "/phase/" + phase, in.encode(), 200));
    }

    private static byte[][] frames(PartitionMessage out) {
      return out.frames().toArray(new byte[0][]);
    }
  }
}
