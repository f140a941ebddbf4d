package dev.wasmgrid.llm.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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

  private final Supplier<List<String>> workers;
  private final Supplier<List<String>> held;
  private final HttpClient http;
  private final Optional<String> token;
  private final Duration timeout;
  private final Map<String, List<String>> models = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  private final Set<String> refusing = ConcurrentHashMap.newKeySet();

  /**
   * @param workers base URLs of the workers to ask, read at each refresh
   * @param held base URLs of workers held out of the pool for refusing the coordinator's token
   * @param timeout how long one worker may take to list its models
   */
  public ModelCatalogue(
      Supplier<List<String>> workers,
      Supplier<List<String>> held,
      HttpClient http,
      Optional<String> token,
      Duration timeout) {
    this.workers = workers;
    this.held = held;
    this.http = http;
    this.token = token;
    this.timeout = timeout;
  }

  /** Asks every worker for its models, in parallel; one that does not answer hosts none. */
  public void refresh() {
    List<String> urls = workers.get();
    models.keySet().retainAll(urls);
    refusing.retainAll(urls);
    try (ExecutorService asks = Executors.newVirtualThreadPerTaskExecutor()) {
      for (String url : urls) {
        asks.execute(() -> models.put(url, ask(url)));
      }
    }
  }

  private List<String> ask(String base) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + "/v1/models")).timeout(timeout).GET();
    token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
    try {
      HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() == 401) {
        refusing.add(base);
      } else {
        refusing.remove(base);
      }
      if (r.statusCode() != 200) {
        return List.of();
      }
      List<String> ids = new ArrayList<>();
      for (JsonNode m : JSON.readTree(r.body()).path("data")) {
        ids.add(m.path("id").asText());
      }
      return List.copyOf(ids);
    } catch (IOException | RuntimeException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  /** Every model some worker hosts, each once, in the order first seen. */
  public List<String> allModels() {
    return workers.get().stream()
        .flatMap(url -> models.getOrDefault(url, List.of()).stream())
        .distinct()
        .toList();
  }

  /** The workers hosting {@code model} (any model when null), least loaded first. */
  public List<String> hosts(String model) {
    return workers.get().stream()
        .filter(
            url -> {
              List<String> hosted = models.getOrDefault(url, List.of());
              return model == null ? !hosted.isEmpty() : hosted.contains(model);
            })
        .sorted(Comparator.comparingInt(url -> load(url).get()))
        .toList();
  }

  /**
   * The workers that answered 401 to the coordinator's token when last asked (or relayed to): they
   * may host models nobody can reach, which a client must not take for "no model".
   */
  public List<String> refusing() {
    return Stream.concat(held.get().stream(), workers.get().stream().filter(refusing::contains))
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
