package dev.wasmgrid.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's registration with a coordinator: {@code POST /v1/workers/join} with the worker's
 * advertised URL at start, then the same request as a heartbeat at the interval the coordinator
 * answers with. When the coordinator cannot be reached the worker keeps trying at {@code retry}, so
 * either side may restart first. Each link has its own instance id, which tells the coordinator
 * that a worker on a known URL restarted.
 */
public final class CoordinatorLink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CoordinatorLink.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration SHORTEST_INTERVAL = Duration.ofMillis(10);
  private static final Duration LONGEST_INTERVAL = Duration.ofMinutes(1);

  private final URI coordinator;
  private final URI advertise;
  private final Duration retry;
  private final Optional<String> token;
  private final String instance = UUID.randomUUID().toString();
  private final HttpClient http;
  private final ScheduledExecutorService scheduler;
  // Only touched on the scheduler's single thread: null before the first attempt.
  private Boolean reachable;

  private CoordinatorLink(URI coordinator, URI advertise, Duration retry, Optional<String> token) {
    this.coordinator = coordinator;
    this.advertise = advertise;
    this.retry = retry;
    this.token = token;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CALL_TIMEOUT)
            .build();
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("wasmgrid-heartbeat").daemon().factory());
  }

  /**
   * Joins {@code coordinator} (its base URL) as {@code advertise} and starts heartbeats.
   *
   * @param retry how long to wait before trying again when the coordinator cannot be reached
   * @param token sent as a Bearer token when present
   */
  public static CoordinatorLink start(
      URI coordinator, URI advertise, Duration retry, Optional<String> token) {
    CoordinatorLink link = new CoordinatorLink(coordinator, advertise, retry, token);
    link.scheduler.execute(link::beat);
    return link;
  }

  /**
   * The URL a worker advertises by default: its listening host, or this machine's address when it
   * listens on every interface (in a Kubernetes pod, the pod IP).
   */
  public static URI defaultAdvertise(String host, int port) {
    String address = host;
    if (Set.of("", "0.0.0.0", "::", "[::]").contains(host)) {
      try {
        address = InetAddress.getLocalHost().getHostAddress();
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot find this machine's address to advertise; pass --advertise", e);
      }
    }
    try {
      return new URI("http", null, address, port, null, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("cannot advertise host " + address, e);
    }
  }

  private void beat() {
    Duration next = retry;
    try {
      next = send();
      if (!Boolean.TRUE.equals(reachable)) {
        LOG.info("joined coordinator {} as {}; heartbeat every {}", coordinator, advertise, next);
      }
      reachable = true;
    } catch (IOException e) {
      if (scheduler.isShutdown()) {
        return; // close() interrupted the call
      }
      if (!Boolean.FALSE.equals(reachable)) {
        LOG.warn("cannot join coordinator {}: {}; retrying every {}", coordinator, e, retry);
      }
      reachable = false;
    }
    if (scheduler.isShutdown()) {
      return;
    }
    try {
      var unused = scheduler.schedule(this::beat, next.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // close() ran between the check above and here: stopping is what it asked for.
    }
  }

  /** Sends one join/heartbeat; returns the interval the coordinator asks for. */
  private Duration send() throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("url", advertise.toString());
    body.put("instance", instance);
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(coordinator + "/v1/workers/join"))
            .timeout(CALL_TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    token.ifPresent(t -> builder.header("Authorization", "Bearer " + t));
    HttpRequest request = builder.build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (response.statusCode() != 200) {
      throw new IOException("answered " + response.statusCode() + " " + response.body());
    }
    JsonNode interval = JSON.readTree(response.body()).path("heartbeat_interval_ms");
    if (!interval.canConvertToLong()) {
      return retry;
    }
    Duration asked = Duration.ofMillis(interval.asLong());
    return asked.compareTo(SHORTEST_INTERVAL) < 0
        ? SHORTEST_INTERVAL
        : asked.compareTo(LONGEST_INTERVAL) > 0 ? LONGEST_INTERVAL : asked;
  }

  /** Stops the heartbeats; the coordinator drops this worker once its timeout passes. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      if (!scheduler.awaitTermination(CALL_TIMEOUT.toSeconds() + 1, TimeUnit.SECONDS)) {
        LOG.warn("heartbeat to {} still running after close", coordinator);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    http.shutdownNow();
  }
}
