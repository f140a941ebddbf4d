package dev.wasmgrid.llm.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.grid.WorkerUnauthorizedException;
import dev.wasmgrid.http.EventStream;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Request;
import dev.wasmgrid.http.Route;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.llm.worker.LlmWorkerService;
import dev.wasmgrid.llm.worker.OpenAiErrors;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's language-model routes: a generation goes to a worker hosting the requested
 * model, least loaded first (one answering 503 or unreachable is passed over for the next), through
 * its {@link WorkerClient}, the in-process worker's as a remote one's, and its answer is relayed as
 * it arrives, a server-sent event stream event by event. A client that goes away fails the relay's
 * write, which closes the worker's stream, and the worker's next write fails and cancels the
 * generation. {@code GET /v1/models} merges the workers' lists, and {@code GET /v1/models/{id}}
 * answers one model of them. Errors are in OpenAI's shape, as the workers'.
 */
public final class LlmRelay implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(LlmRelay.class);

  /** The most a relayed stream hands on at once. */
  private static final int PIECE = 8192;

  private final ModelCatalogue catalogue;
  private final long maxBodyBytes;
  private final int maxRelays;
  private final Semaphore relays;

  /**
   * @param maxRelays generations relayed at once, waiting on workers included; more get 503
   */
  public LlmRelay(ModelCatalogue catalogue, long maxBodyBytes, int maxRelays) {
    this.catalogue = catalogue;
    this.maxBodyBytes = maxBodyBytes;
    this.maxRelays = maxRelays;
    this.relays = new Semaphore(maxRelays);
  }

  @Override
  public void routing(Routes routes) {
    routes.get(LlmWorkerService.MODELS, req -> models());
    routes.get(LlmWorkerService.MODEL, OpenAiErrors.answering(req -> model(req.param("id"))));
    routes.post(LlmWorkerService.GENERATE, relaying(LlmWorkerService.GENERATE));
    routes.post(LlmWorkerService.COMPLETIONS, relaying(LlmWorkerService.COMPLETIONS));
    routes.post(LlmWorkerService.CHAT, relaying(LlmWorkerService.CHAT));
  }

  private Route.Handler relaying(String path) {
    return OpenAiErrors.answering(req -> relay(req, path));
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

  /**
   * OpenAI's model object as its first host describes it (with the worker's {@code info}), and the
   * names of the workers hosting it.
   */
  private ObjectNode modelObject(String id) {
    ObjectNode entry =
        catalogue
            .describe(id)
            .orElseGet(
                () ->
                    JsonNodeFactory.instance
                        .objectNode()
                        .put("id", id)
                        .put("object", "model")
                        .put("created", 0)
                        .put("owned_by", "wasmgrid"));
    ArrayNode hosts = entry.putArray("workers");
    catalogue.hosts(id).forEach(w -> hosts.add(w.name()));
    return entry;
  }

  private Reply relay(Request req, String path) {
    byte[] body = req.body(maxBodyBytes);
    JsonNode model = JsonBodies.parseObject(body, "{\"prompt\":\"Once upon a time\"}").get("model");
    String name = model == null || !model.isTextual() ? null : model.asText();
    if (!relays.tryAcquire()) {
      return OpenAiErrors.reply(
              new Failure(
                  Failure.Kind.UNAVAILABLE,
                  "too_many_generations",
                  "",
                  "the coordinator is relaying its limit of "
                      + maxRelays
                      + (maxRelays == 1 ? " generation" : " generations")
                      + "; retry later"))
          .withHeader("Retry-After", "1");
    }
    boolean streaming = false;
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
        Outcome outcome = tryHost(host, path, body);
        if (outcome.answer() == null) {
          lastRefusal = outcome.refusal();
          continue;
        }
        streaming = outcome.answer().length() < 0;
        return streaming ? relayed(outcome.answer(), host.name()) : outcome.answer();
      }
      return lastRefusal.status() == 503 ? lastRefusal.withHeader("Retry-After", "1") : lastRefusal;
    } finally {
      if (!streaming) {
        relays.release();
      }
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

  /** A worker's answer to send on, or its refusal (503, 502) to try the next worker with. */
  private record Outcome(Reply answer, Reply refusal) {}

  private Outcome tryHost(WorkerClient worker, String path, byte[] body) {
    String host = worker.name();
    AtomicInteger load = catalogue.load(host);
    load.incrementAndGet();
    boolean streaming = false;
    try {
      Reply r = worker.stream(path, Reply.JSON, body);
      if (r.status() == 503) {
        return new Outcome(null, Reply.failed(Failure.Kind.UNAVAILABLE, r.contentType(), r.body()));
      }
      if (r.status() == 401) {
        throw new WorkerUnauthorizedException(host);
      }
      // A stream's load lasts as long as the stream: relayed() ends it.
      streaming = r.length() < 0;
      return new Outcome(r, null);
    } catch (WorkerUnauthorizedException e) {
      // The client's token was right (this server checked it): the worker's is another.
      LOG.warn("{} refuses the coordinator's token", host);
      catalogue.refused(host);
      return new Outcome(null, OpenAiErrors.reply(unauthorized(host)));
    } catch (IOException e) {
      LOG.warn("language-model relay to {} failed: {}", host, e.toString());
      return new Outcome(
          null,
          OpenAiErrors.reply(
              new Failure(
                  Failure.Kind.UNAVAILABLE,
                  "worker_unreachable",
                  "",
                  host + " did not answer: " + e.getMessage())));
    } finally {
      if (!streaming) {
        load.decrementAndGet();
      }
    }
  }

  /**
   * A worker's event stream, sent on as it arrives, with this relay's place freed when it ends.
   * Once the stream has begun, nothing may retry it on another worker: the client has its first
   * tokens. So an upstream that breaks off ends the stream here, with an {@code error} event where
   * the last event was whole (a relayed piece may end inside one).
   */
  private Reply relayed(Reply upstream, String host) {
    return Reply.streamed(
            Reply.EVENT_STREAM,
            -1,
            out -> {
              EventBoundaries down = new EventBoundaries(out);
              try {
                upstream.writeTo(down, PIECE);
              } catch (IOException | RuntimeException e) {
                if (down.failed()) {
                  // The worker's connection is closed with it: the worker stops.
                  LOG.debug("client left a stream relayed from {}", host);
                  return;
                }
                LOG.warn("language-model stream from {} broke off: {}", host, e.toString());
                if (down.whole()) {
                  Failure error =
                      new Failure(
                          Failure.Kind.WORKER_FAILED,
                          "worker_unreachable",
                          "",
                          host
                              + " broke off the stream: "
                              + e.getMessage()
                              + "; the text is incomplete");
                  out.write(EventStream.event("error", OpenAiErrors.body(error).toString()));
                  out.flush();
                }
              } finally {
                catalogue.load(host).decrementAndGet();
                relays.release();
              }
            })
        .withHeader("Cache-Control", "no-cache");
  }
}
