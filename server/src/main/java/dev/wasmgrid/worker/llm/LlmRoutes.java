package dev.wasmgrid.worker.llm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.http.ApiError;
import dev.wasmgrid.http.ErrorBodies;
import dev.wasmgrid.http.GridServer;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Route;
import dev.wasmgrid.llm.Generation;
import dev.wasmgrid.llm.GenerationStats;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.TokenPiece;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The language-model routes of a worker (docs/api.md, "Language models"): {@code POST
 * /v1/generate}, the OpenAI-compatible {@code POST /v1/completions} and {@code POST
 * /v1/chat/completions}, and {@code GET /v1/models}. A generation runs on the request's own thread
 * once the model's turn comes (see {@link HostedModel}); a streamed one stops when a write to the
 * client fails, which is how a client that went away shows.
 */
public final class LlmRoutes {
  /** The paths, for the coordinator's relay. */
  public static final String GENERATE = "/v1/generate";

  public static final String COMPLETIONS = "/v1/completions";
  public static final String CHAT = "/v1/chat/completions";
  public static final String MODELS = "/v1/models";

  private static final Logger LOG = LoggerFactory.getLogger(LlmRoutes.class);

  private final ModelHosts hosts;
  private final LlmMetrics metrics;
  private final long maxBodyBytes;

  public LlmRoutes(ModelHosts hosts, MeterRegistry registry, long maxBodyBytes) {
    this.hosts = hosts;
    this.metrics = new LlmMetrics(registry, hosts);
    this.maxBodyBytes = maxBodyBytes;
  }

  /** The routes, for {@link GridServer.Config}. */
  public List<Route> routes() {
    return List.of(
        new Route("GET", MODELS, (req, res) -> GridServer.send(res, models())),
        new Route("POST", GENERATE, (req, res) -> serve(req, res, GenerationRequest.Kind.GENERATE)),
        new Route(
            "POST", COMPLETIONS, (req, res) -> serve(req, res, GenerationRequest.Kind.COMPLETION)),
        new Route("POST", CHAT, (req, res) -> serve(req, res, GenerationRequest.Kind.CHAT)));
  }

  /** The meters, for tests. */
  public LlmMetrics metrics() {
    return metrics;
  }

  private Reply models() {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list");
    ArrayNode data = body.putArray("data");
    for (HostedModel m : hosts.list()) {
      var info = m.model().modelInfo();
      ObjectNode entry =
          data.addObject()
              .put("id", m.name())
              .put("object", "model")
              .put("created", 0)
              .put("owned_by", "wasmgrid");
      entry
          .putObject("info")
          .put("format", info.format())
          .put("dtype", info.dtype())
          .put("parameters", info.parameters())
          .put("context_length", info.contextLength())
          .put("compute", info.compute())
          .put("slots", m.slots())
          .put("running", m.running())
          .put("admitted", m.admitted());
    }
    return Reply.json(200, body.toString());
  }

  private void serve(ServerRequest req, ServerResponse res, GenerationRequest.Kind kind) {
    GenerationRequest request = GenerationRequest.parse(GridServer.body(req, maxBodyBytes), kind);
    HostedModel host = hosts.find(request.model());
    HostedModel.Lease lease;
    try {
      lease = host.admit();
    } catch (ApiError e) {
      GridServer.send(res, ErrorBodies.plain(e).withHeader("Retry-After", "1"));
      return;
    }
    Reply whole = null;
    try (lease) {
      LanguageModel model = lease.awaitTurn();
      String prompt =
          kind == GenerationRequest.Kind.CHAT
              ? model.formatChat(request.messages())
              : request.prompt();
      Generation generation;
      try {
        generation = model.start(prompt, request.config());
      } catch (IllegalArgumentException e) {
        throw ApiError.badRequest(
            "prompt_too_long",
            kind == GenerationRequest.Kind.CHAT ? "messages" : "prompt",
            e.getMessage());
      }
      Answer answer = new Answer(kind, host.name());
      try (generation) {
        if (request.stream()) {
          stream(generation, answer, res);
        } else {
          StringBuilder text = new StringBuilder();
          for (TokenPiece p = generation.next(); p != null; p = generation.next()) {
            text.append(p.text());
          }
          // Counted, and the model freed, before the answer leaves: a client that has it finds it
          // in /metrics and can have the model at once.
          metrics.record(host.name(), generation.stats());
          whole = Reply.json(200, answer.whole(text.toString(), generation.stats()));
        }
      }
      GenerationStats stats = generation.stats();
      if (request.stream()) {
        metrics.record(host.name(), stats); // after close: a cancelled stream counts as such
      }
      LOG.debug("generation on {}: {}", host.name(), stats);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the server is stopping
      return;
    }
    if (whole != null) {
      GridServer.send(res, whole);
    }
  }

  private static void stream(Generation generation, Answer answer, ServerResponse res) {
    try (EventStream events = EventStream.open(res)) {
      String opening = answer.opening();
      if (opening != null && !events.send(null, opening)) {
        return;
      }
      if (!tokens(generation, answer, events)) {
        return;
      }
      if (answer.tokenEvent() != null) {
        events.send("done", answer.end(generation.stats()));
      } else {
        events.send(null, answer.end(generation.stats()));
        events.send(null, "[DONE]");
      }
    }
  }

  /**
   * Sends the tokens; false when the client went away (closing the generation then cancels it) or
   * generation failed, which, the status being sent, can only be told in an {@code error} event.
   */
  private static boolean tokens(Generation generation, Answer answer, EventStream events) {
    boolean generate = answer.tokenEvent() != null;
    int index = 0;
    try {
      for (TokenPiece p = generation.next(); p != null; p = generation.next()) {
        if (!generate && p.text().isEmpty()) {
          continue;
        }
        if (!events.send(answer.tokenEvent(), answer.token(p.text(), index++, p.id()))) {
          return false;
        }
      }
      return true;
    } catch (RuntimeException e) {
      System.err.println("DEBUG");
      e.printStackTrace();
      LOG.error("generation failed mid-stream", e);
      ApiError error =
          new ApiError(
              500, "generation_failed", "", "generation failed: " + e.getClass().getName());
      events.send("error", ErrorBodies.errorObject(error).toString());
      return false;
    }
  }
}
