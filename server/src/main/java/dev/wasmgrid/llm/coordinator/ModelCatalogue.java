package dev.wasmgrid.llm.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.grid.WorkerUnauthorizedException;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.RequestIds;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Which worker hosts which model, learned from each worker's {@code GET /v1/models} (refreshed
 * periodically and whenever a request names a model no known worker hosts), and how many relayed
 * generations each worker has in flight, so the least loaded host is tried first.
 */
public final class ModelCatalogue {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Supplier<List<WorkerClient>> workers;
  private final Supplier<List<String>> held;
  private final Duration timeout;

  /** Each worker's models: their OpenAI objects as the worker gave them, by id, in its order. */
  private final Map<String, Map<String, ObjectNode>> models = new ConcurrentHashMap<>();

  private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  private final Set<String> refusing = ConcurrentHashMap.newKeySet();

  /**
   * @param workers the workers to ask, read at each refresh; known by {@link WorkerClient#name()}
   * @param held base URLs of workers held out of the pool for refusing the coordinator's token
   * @param timeout how long one worker may take to list its models
   */
  public ModelCatalogue(
      Supplier<List<WorkerClient>> workers, Supplier<List<String>> held, Duration timeout) {
    this.workers = workers;
    this.held = held;
    this.timeout = timeout;
  }

  /** Asks every worker for its models, in parallel; one that does not answer hosts none. */
  public void refresh() {
    List<WorkerClient> clients = workers.get();
    List<String> urls = clients.stream().map(WorkerClient::name).toList();
    models.keySet().retainAll(urls);
    refusing.retainAll(urls);
    try (ExecutorService asks = Executors.newVirtualThreadPerTaskExecutor()) {
      for (WorkerClient worker : clients) {
        asks.execute(RequestIds.carrying(() -> refresh(worker)));
      }
    }
  }

  private void refresh(WorkerClient worker) {
    models.put(worker.name(), ask(worker));
  }

  private Map<String, ObjectNode> ask(WorkerClient worker) {
    try {
      Reply r = worker.exchange("GET", "/v1/models", "", new byte[0], timeout);
      if (r.status() == 401) {
        refusing.add(worker.name());
      } else {
        refusing.remove(worker.name());
      }
      if (r.status() != 200) {
        return Map.of();
      }
      Map<String, ObjectNode> hosted = new LinkedHashMap<>();
      for (JsonNode m : JSON.readTree(r.body()).path("data")) {
        if (m instanceof ObjectNode model) {
          hosted.putIfAbsent(m.path("id").asText(), model);
        }
      }
      return Collections.unmodifiableMap(hosted);
    } catch (WorkerUnauthorizedException e) {
      refusing.add(worker.name()); // how a pool's worker reports a 401
      return Map.of();
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
  }

  /**
   * A copy of {@code model}'s object as its first host described it (OpenAI's fields and the
   * worker's {@code info}); empty when no worker hosts it.
   */
  public Optional<ObjectNode> describe(String model) {
    return workers.get().stream()
        .map(w -> models.getOrDefault(w.name(), Map.of()).get(model))
        .filter(Objects::nonNull)
        .findFirst()
        .map(ObjectNode::deepCopy);
  }

  /** Every model some worker hosts, each once, in the order first seen. */
  public List<String> allModels() {
    return workers.get().stream()
        .flatMap(w -> models.getOrDefault(w.name(), Map.of()).keySet().stream())
        .distinct()
        .toList();
  }

  /** The workers hosting {@code model} (any model when null), least loaded first. */
  public List<WorkerClient> hosts(String model) {
    return workers.get().stream()
        .filter(
            w -> {
              Map<String, ObjectNode> hosted = models.getOrDefault(w.name(), Map.of());
              return model == null ? !hosted.isEmpty() : hosted.containsKey(model);
            })
        .sorted(Comparator.comparingInt(w -> load(w.name()).get()))
        .toList();
  }

  /**
   * The workers that answered 401 to the coordinator's token when last asked (or relayed to): they
   * may host models nobody can reach, which a client must not take for "no model".
   */
  public List<String> refusing() {
    return Stream.concat(
            held.get().stream(),
            workers.get().stream().map(WorkerClient::name).filter(refusing::contains))
        .distinct()
        .toList();
  }

  /** Notes that {@code url} refused the coordinator's token on a relayed call. */
  void refused(String url) {
    refusing.add(url);
  }

  /** The generations relayed to {@code url} and not yet finished. */
  AtomicInteger load(String url) {
    return inFlight.computeIfAbsent(url, u -> new AtomicInteger());
  }
}
