package dev.wasmgrid.llm.worker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.EventStream;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Request;
import dev.wasmgrid.http.Route;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.llm.Generation;
import dev.wasmgrid.llm.GenerationStats;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.TokenLogprobs;
import dev.wasmgrid.llm.TokenPiece;
import dev.wasmgrid.llm.chat.ChatPrompts;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The language-model routes of a worker (docs/api.md, "Language models"): {@code POST
 * /v1/generate}, the OpenAI-compatible {@code POST /v1/completions} and {@code POST
 * /v1/chat/completions}, and {@code GET /v1/models} and {@code /v1/models/{id}}; their errors are
 * in OpenAI's shape ({@link OpenAiErrors}). A generation runs on the request's own thread once the
 * model's turn comes (see {@link HostedModel}); a streamed one stops when a write to the client
 * fails, which is how a client that went away shows.
 */
public final class LlmWorkerService implements Service {
  /** The paths, for the coordinator's relay. */
  public static final String GENERATE = "/v1/generate";

  public static final String COMPLETIONS = "/v1/completions";
  public static final String CHAT = "/v1/chat/completions";
  public static final String MODELS = "/v1/models";
  public static final String MODEL = "/v1/models/{id}";

  private static final Logger LOG = LoggerFactory.getLogger(LlmWorkerService.class);

  private final ModelHosts hosts;
  private final LlmMetrics metrics;
  private final long maxBodyBytes;

  /** Each hosted model's chat prompts, its template compiled once. */
  private final Map<HostedModel, ChatPrompts> chats = new ConcurrentHashMap<>();

  public LlmWorkerService(ModelHosts hosts, MeterRegistry registry, long maxBodyBytes) {
    this.hosts = hosts;
    this.metrics = new LlmMetrics(registry, hosts);
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void routing(Routes routes) {
    routes.get(MODELS, req -> models());
    routes.get(MODEL, OpenAiErrors.answering(req -> model(req.param("id"))));
    routes.post(GENERATE, serving(GenerationRequest.Kind.GENERATE));
    routes.post(COMPLETIONS, serving(GenerationRequest.Kind.COMPLETION));
    routes.post(CHAT, serving(GenerationRequest.Kind.CHAT));
  }

  /** The meters, for tests. */
  public LlmMetrics metrics() {
    return metrics;
  }

  private Route.Handler serving(GenerationRequest.Kind kind) {
    return OpenAiErrors.answering(req -> serve(req, kind));
  }

  private Reply models() {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list");
    ArrayNode data = body.putArray("data");
    for (HostedModel m : hosts.list()) {
      data.add(modelObject(m));
    }
    return Reply.ok(body.toString());
  }

  private Reply model(String id) {
    HostedModel m = hosts.list().stream().filter(h -> h.name().equals(id)).findFirst().orElse(null);
    if (m == null) {
      throw new Failure(
          Failure.Kind.NOT_FOUND,
          "model_not_found",
          "model",
          "no model named '" + id + "'; GET /v1/models lists them: " + names());
    }
    return Reply.ok(modelObject(m).toString());
  }

  private List<String> names() {
    return hosts.list().stream().map(HostedModel::name).toList();
  }

  /** OpenAI's model object, with wasmgrid's figures under {@code info}. */
  private static ObjectNode modelObject(HostedModel m) {
    var info = m.model().modelInfo();
    ObjectNode entry =
        JsonNodeFactory.instance
            .objectNode()
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
    return entry;
  }

  private Reply serve(Request req, GenerationRequest.Kind kind) {
    GenerationRequest request = GenerationRequest.parse(req.body(maxBodyBytes), kind);
    HostedModel host = hosts.find(request.model());
    request.checkVocabulary(host.model().tokenizer().vocabulary().size());
    // Encoding here, before admission, means a long prompt takes neither a place in the queue nor
    // a slot while it is encoded, and one too long for the context is refused without either.
    String prompt;
    int[] tokens;
    if (kind == GenerationRequest.Kind.CHAT) {
      ChatPrompts.Prompt chat = chatPrompts(host).prompt(request.messages());
      prompt = chat.text();
      tokens = chat.tokens();
    } else {
      prompt = request.prompt();
      tokens = encode(host.model(), prompt, request);
    }
    HostedModel.Lease lease;
    try {
      lease = host.admit();
    } catch (Failure e) {
      return OpenAiErrors.reply(e).withHeader("Retry-After", "1");
    }
    Answer answer = new Answer(kind, host.name());
    if (request.stream()) {
      // The stream is written after this returns; the lease goes with it.
      return Reply.events(
          events -> {
            try (lease) {
              stream(lease.awaitTurn(), prompt, tokens, request, answer, host.name(), events);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt(); // the server is stopping
            }
          });
    }
    List<Answer.Choice> choices = new ArrayList<>();
    try (lease) {
      LanguageModel model = lease.awaitTurn();
      for (int i = 0; i < request.choices(); i++) {
        choices.add(whole(model, prompt, tokens, request, i, host.name()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(Failure.Kind.UNAVAILABLE, "interrupted", "", "the worker is stopping");
    }
    // Answered once the lease is closed: a client that has the answer can have the model at once.
    return Reply.ok(answer.whole(choices, echo(request, prompt).length()));
  }

  private ChatPrompts chatPrompts(HostedModel host) {
    return chats.computeIfAbsent(
        host, h -> new ChatPrompts(h.name(), h.model(), Clock.system(ZoneId.systemDefault())));
  }

  /** The text a completion begins with: the prompt with {@code echo}, else nothing. */
  private static String echo(GenerationRequest request, String prompt) {
    return request.echo() ? prompt : "";
  }

  private static int[] encode(LanguageModel model, String prompt, GenerationRequest request) {
    try {
      return model.encodePrompt(prompt);
    } catch (IllegalArgumentException e) {
      throw Failure.invalid(
          "prompt_too_long", request.prompt() == null ? "messages" : "prompt", e.getMessage());
    }
  }

  private Answer.Choice whole(
      LanguageModel model,
      String prompt,
      int[] tokens,
      GenerationRequest request,
      int choice,
      String name) {
    Generation generation = model.start(tokens, request.config(choice));
    StringBuilder text = new StringBuilder(echo(request, prompt));
    List<TokenLogprobs> logprobs = request.config().logprobs() < 0 ? null : new ArrayList<>();
    try (generation) {
      for (TokenPiece p = generation.next(); p != null; p = generation.next()) {
        text.append(p.text());
        TokenLogprobs lp = generation.logprobs();
        if (lp != null) {
          logprobs.add(lp);
        }
      }
    }
    return new Answer.Choice(text.toString(), finished(name, generation), logprobs);
  }

  /** Records a closed generation's figures in the metrics and the log; returns them. */
  private GenerationStats finished(String name, Generation generation) {
    GenerationStats stats = generation.stats();
    metrics.record(name, stats);
    LOG.debug("generation on {}: {}", name, stats);
    return stats;
  }

  /** Streams the choices one after the other, each chunk tagged with its choice's index. */
  private void stream(
      LanguageModel model,
      String prompt,
      int[] tokens,
      GenerationRequest request,
      Answer answer,
      String name,
      EventStream events) {
    List<GenerationStats> done = new ArrayList<>();
    Generation first = model.start(tokens, request.config(0));
    for (int i = 0; i < request.choices(); i++) {
      Generation generation = i == 0 ? first : model.start(tokens, request.config(i));
      boolean sent;
      try (generation) {
        sent = choice(generation, i, request, prompt, answer, events, done);
      }
      finished(name, generation); // after close: a cancelled stream counts as such
      if (!sent) {
        return;
      }
    }
    if (answer.tokenEvent() == null) {
      if (request.streamUsage() && !events.send(null, answer.usageChunk(done))) {
        return;
      }
      events.send(null, "[DONE]");
    }
  }

  /**
   * Streams one choice; false when the client went away (closing the generation then cancels it) or
   * generation failed, which, the status being sent, can only be told in an {@code error} event.
   */
  private static boolean choice(
      Generation generation,
      int choice,
      GenerationRequest request,
      String prompt,
      Answer answer,
      EventStream events,
      List<GenerationStats> done) {
    String echo = echo(request, prompt);
    String opening = answer.opening(choice, echo.isEmpty() ? null : echo);
    if (opening != null && !events.send(null, opening)) {
      return false;
    }
    boolean generate = answer.tokenEvent() != null;
    List<TokenLogprobs> held = request.config().logprobs() < 0 ? null : new ArrayList<>();
    int offset = echo.length();
    int index = 0;
    try {
      for (TokenPiece p = generation.next(); p != null; p = generation.next()) {
        TokenLogprobs lp = generation.logprobs();
        if (lp != null) {
          held.add(lp);
        }
        if (!generate && p.text().isEmpty()) {
          continue; // its log-probabilities go with the next piece
        }
        String data = answer.token(choice, p.text(), index++, p.id(), held, offset);
        if (!events.send(answer.tokenEvent(), data)) {
          return false;
        }
        if (held != null) {
          offset += LogprobsJson.length(held);
          held.clear();
        }
      }
    } catch (RuntimeException e) {
      LOG.error("generation failed mid-stream", e);
      Failure error =
          new Failure(
              Failure.Kind.INTERNAL,
              "generation_failed",
              "",
              "generation failed: " + e.getClass().getName());
      events.send("error", OpenAiErrors.body(error).toString());
      return false;
    }
    done.add(generation.stats());
    return events.send(
        generate ? "done" : null, answer.end(choice, generation.stats(), held, offset));
  }
}
