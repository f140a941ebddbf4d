package dev.wasmgrid.llm.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.grid.WorkerUnauthorizedException;
import dev.wasmgrid.http.EventStream;
import dev.wasmgrid.http.GridServer;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Route;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.llm.worker.LlmWorkerService;
import dev.wasmgrid.llm.worker.OpenAiErrors;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's language-model routes with remote workers: a generation goes to a worker
 * hosting the requested model, least loaded first (one answering 503 or unreachable is passed over
 * for the next), and its answer is relayed as it arrives, a server-sent event stream chunk by
 * chunk. A client that goes away closes the upstream response, which closes that connection, and
 * the worker's next write fails and cancels the generation. {@code GET /v1/models} merges the
 * workers' lists, and {@code GET /v1/models/{id}} answers one model of them. Errors are in OpenAI's
 * shape, as the workers'.
 */
public final class LlmRelay implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(LlmRelay.class);

  private final ModelCatalogue catalogue;
  private final HttpClient http;
  private final Optional<String> token;
  private final Duration timeout;
  private final long maxBodyBytes;
  private final int maxRelays;
  private final Semaphore relays;

  /**
   * @param maxRelays generations relayed at once, waiting on workers included; more get 503
   * @param timeout how long a worker may take to start answering
   */
  public LlmRelay(
      ModelCatalogue catalogue,
      HttpClient http,
      Optional<String> token,
      Duration timeout,
      long maxBodyBytes,
      int maxRelays) {
    this.catalogue = catalogue;
    this.http = http;
    this.token = token;
    this.timeout = timeout;
    this.maxBodyBytes = maxBodyBytes;
    this.maxRelays = maxRelays;
    this.relays = new Semaphore(maxRelays);
  }

  @Override
  public void routing(Routes routes) {
    routes.get(LlmWorkerService.MODELS, (req, res) -> GridServer.send(res, models()));
    routes.get(
        LlmWorkerService.MODEL,
        OpenAiErrors.answering(
            (req, res) -> GridServer.send(res, model(req.path().pathParameters().get("id")))));
    routes.post(LlmWorkerService.GENERATE, relaying(LlmWorkerService.GENERATE));
    routes.post(LlmWorkerService.COMPLETIONS, relaying(LlmWorkerService.COMPLETIONS));
    routes.post(LlmWorkerService.CHAT, relaying(LlmWorkerService.CHAT));
  }

  private Route.Handler relaying(String path) {
    return OpenAiErrors.answering((req, res) -> relay(req, res, path));
  }

  private Reply models() {
    catalogue.refresh();
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list");
    ArrayNode data = body.putArray("data");
    for (String id : catalogue.allModels()) {
      data.add(modelObject(id));
    }
    return Reply.ok(body.toString());
  }

  private Reply model(String id) {
    if (catalogue.hosts(id).isEmpty()) {
      catalogue.refresh();
    }
    if (catalogue.hosts(id).isEmpty()) {
      throw new Failure(
          Failure.Kind.NOT_FOUND,
          "model_not_found",
          "model",
          "no worker hosts a model named '"
              + id
              + "'; GET /v1/models lists them: "
              + catalogue.allModels());
    }
    return Reply.ok(modelObject(id).toString());
  }

  /** OpenAI's model object, with the URLs of the workers hosting it. */
  private ObjectNode modelObject(String id) {
    ObjectNode entry =
        JsonNodeFactory.instance
            .objectNode()
            .put("id", id)
            .put("object", "model")
            .put("created", 0)
            .put("owned_by", "wasmgrid");
    ArrayNode hosts = entry.putArray("workers");
    catalogue.hosts(id).forEach(w -> hosts.add(w.name()));
    return entry;
  }

  private void relay(ServerRequest req, ServerResponse res, String path) {
    byte[] body = GridServer.body(req, maxBodyBytes);
    JsonNode model = JsonBodies.parseObject(body, "{\"prompt\":\"Once upon a time\"}").get("model");
    String name = model == null || !model.isTextual() ? null : model.asText();
    if (!relays.tryAcquire()) {
      busy(
          res,
          "the coordinator is relaying its limit of "
              + maxRelays
              + (maxRelays == 1 ? " generation" : " generations")
              + "; retry later");
      return;
    }
    try {
      List<WorkerClient> hosts = catalogue.hosts(name);
      if (hosts.isEmpty()) {
        catalogue.refresh();
        hosts = catalogue.hosts(name);
      }
      if (hosts.isEmpty()) {
        throw noHost(name);
      }
      Reply lastRefusal = null;
      for (WorkerClient host : hosts) {
        Reply refused = tryHost(host.name(), path, body, res);
        if (refused == null) {
          return;
        }
        lastRefusal = refused;
      }
      GridServer.send(
          res,
          lastRefusal.status() == 503 ? lastRefusal.withHeader("Retry-After", "1") : lastRefusal);
    } finally {
      relays.release();
    }
  }

  private Failure noHost(String name) {
    List<String> all = catalogue.allModels();
    List<String> refusing = catalogue.refusing();
    if (!refusing.isEmpty()) {
      // The model may well be on a worker that cannot be asked: not the client's mistake.
      return unauthorized(String.join(", ", refusing));
    }
    if (all.isEmpty()) {
      return new Failure(
          Failure.Kind.UNAVAILABLE,
          "no_model_worker",
          "",
          "no worker hosts a language model now; start one with --model");
    }
    return new Failure(
        Failure.Kind.NOT_FOUND,
        "model_not_found",
        "model",
        "no worker hosts a model named '" + name + "'; GET /v1/models lists them: " + all);
  }

  private static Failure unauthorized(String workers) {
    return new Failure(
        Failure.Kind.WORKER_FAILED,
        "worker_unauthorized",
        "",
        new WorkerUnauthorizedException(workers).getMessage());
  }

  /**
   * Relays to one worker; returns a 503 (busy, unreachable) or 502 (it refused the coordinator's
   * token) to try the next worker with, or null when answered.
   */
  private Reply tryHost(String host, String path, byte[] body, ServerResponse res) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(host + path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
    var load = catalogue.load(host);
    load.incrementAndGet();
    try {
      HttpResponse<InputStream> r =
          http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        String type = r.headers().firstValue("Content-Type").orElse(Reply.JSON);
        if (r.statusCode() == 503) {
          return Reply.failed(Failure.Kind.UNAVAILABLE, type, in.readAllBytes());
        }
        if (r.statusCode() == 401) {
          // The client's token was right (this server checked it): the worker's is another.
          LOG.warn("{} refuses the coordinator's token", host);
          catalogue.refused(host);
          return OpenAiErrors.reply(unauthorized(host));
        }
        if (type.startsWith("text/event-stream")) {
          pipe(in, res, host);
        } else {
          Reply reply = new Reply(r.statusCode(), type, in.readAllBytes());
          GridServer.send(
              res,
              r.headers()
                  .firstValue("Retry-After")
                  .map(v -> reply.withHeader("Retry-After", v))
                  .orElse(reply));
        }
      }
      return null;
    } catch (IOException e) {
      LOG.warn("language-model relay to {} failed: {}", host, e.toString());
      return OpenAiErrors.reply(
          new Failure(
              Failure.Kind.UNAVAILABLE,
              "worker_unreachable",
              "",
              host + " did not answer: " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(Failure.Kind.UNAVAILABLE, "interrupted", "", "the coordinator is stopping");
    } finally {
      load.decrementAndGet();
    }
  }

  /**
   * Copies an event stream as it arrives; returns when it ends or the client goes away. Once the
   * stream has begun, nothing may retry it on another worker: the client has its first tokens. So
   * an upstream that breaks off ends the stream here, with an {@code error} event where the last
   * event was whole (a relayed chunk may end inside one).
   */
  private static void pipe(InputStream in, ServerResponse res, String host) {
    try (EventStream events = EventStream.open(res)) {
      byte[] buffer = new byte[8192];
      boolean whole = true;
      try {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          if (n == 0) {
            continue;
          }
          if (!events.raw(Arrays.copyOf(buffer, n))) {
            // Closing the upstream stream early closes its connection: the worker stops.
            LOG.debug("client left a stream relayed from {}", host);
            return;
          }
          whole = n >= 2 && buffer[n - 2] == '\n' && buffer[n - 1] == '\n';
        }
      } catch (IOException e) {
        LOG.warn("language-model stream from {} broke off: {}", host, e.toString());
        if (whole) {
          Failure error =
              new Failure(
                  Failure.Kind.WORKER_FAILED,
                  "worker_unreachable",
                  "",
                  host + " broke off the stream: " + e.getMessage() + "; the text is incomplete");
          events.send("error", OpenAiErrors.body(error).toString());
        }
      }
    }
  }

  private void busy(ServerResponse res, String message) {
    GridServer.send(
        res,
        OpenAiErrors.reply(
                new Failure(Failure.Kind.UNAVAILABLE, "too_many_generations", "", message))
            .withHeader("Retry-After", "1"));
  }
}
