package dev.wasmgrid.modules.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.http.ErrorBodies;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.RequestIds;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One request sent to several workers at once, and the answer that sums them up: the workers'
 * answer when they all agree, else 502 naming each worker's outcome.
 */
final class Broadcast {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Broadcast() {}

  /**
   * What one worker did with the request.
   *
   * @param reply its answer, or null when it could not be reached
   * @param failure why it could not be reached, or null
   */
  record Outcome(String worker, Reply reply, String failure) {
    boolean accepted() {
      return reply != null && reply.status() / 100 == 2;
    }

    int status() {
      return reply == null ? 0 : reply.status();
    }

    /** {@code {"url","status"}} plus the worker's error, or {@code "status":null} and why. */
    ObjectNode json() {
      ObjectNode node = JsonNodeFactory.instance.objectNode().put("url", worker);
      if (reply == null) {
        node.putNull("status");
        node.set(
            "error",
            ErrorBodies.errorObject(
                    new Failure(Failure.Kind.WORKER_FAILED, "worker_unreachable", "", failure))
                .get("error"));
      } else {
        node.put("status", reply.status());
        JsonNode error = object(reply).path("error");
        if (!accepted() && error.isObject()) {
          node.set("error", error);
        }
      }
      return node;
    }
  }

  /** Sends the request to every worker in parallel and waits for all of them. */
  static List<Outcome> send(
      List<WorkerClient> workers, String method, String target, String contentType, byte[] body) {
    List<Future<Outcome>> pending = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (WorkerClient worker : workers) {
        pending.add(
            threads.submit(
                RequestIds.carryingResult(() -> one(worker, method, target, contentType, body))));
      }
    }
    List<Outcome> outcomes = new ArrayList<>();
    for (Future<Outcome> future : pending) {
      try {
        outcomes.add(future.get());
      } catch (ExecutionException e) {
        throw new IllegalStateException("a broadcast task failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Failure(
            Failure.Kind.UNAVAILABLE, "interrupted", "", "the coordinator is shutting down");
      }
    }
    return outcomes;
  }

  static Outcome one(
      WorkerClient worker, String method, String target, String contentType, byte[] body) {
    try {
      return new Outcome(worker.name(), worker.exchange(method, target, contentType, body), null);
    } catch (IOException e) {
      return new Outcome(worker.name(), null, e.getMessage());
    }
  }

  /**
   * The answer for the client: when every worker accepted, the first one's answer with {@code
   * "workers"} added; when every worker refused with the same 4xx (a bad request is bad
   * everywhere), that refusal with {@code "workers"}; otherwise 502 {@code code}.
   */
  static Reply summary(List<Outcome> outcomes, String code, String what) {
    ArrayNode workers = JsonNodeFactory.instance.arrayNode();
    outcomes.forEach(o -> workers.add(o.json()));
    if (outcomes.stream().allMatch(Outcome::accepted)) {
      return withWorkers(outcomes.getFirst().reply(), workers);
    }
    int first = outcomes.getFirst().status();
    if (first / 100 == 4 && outcomes.stream().allMatch(o -> o.status() == first)) {
      return withWorkers(outcomes.getFirst().reply(), workers);
    }
    List<String> failed =
        outcomes.stream()
            .filter(o -> !o.accepted())
            .map(o -> o.worker() + (o.reply() == null ? " unreachable" : " answered " + o.status()))
            .toList();
    ObjectNode body =
        ErrorBodies.errorObject(
            new Failure(
                Failure.Kind.WORKER_FAILED,
                code,
                "",
                what
                    + " failed on "
                    + failed.size()
                    + " of "
                    + outcomes.size()
                    + (outcomes.size() == 1 ? " worker: " : " workers: ")
                    + String.join(", ", failed)));
    body.set("workers", workers);
    return Reply.failed(Failure.Kind.WORKER_FAILED, body.toString());
  }

  /** The worker's answer with {@code "workers"} added when it is a JSON object, else as it is. */
  static Reply withWorkers(Reply reply, ArrayNode workers) {
    JsonNode body = object(reply);
    if (!body.isObject()) {
      return reply;
    }
    ((ObjectNode) body).set("workers", workers);
    Reply out = Reply.json(reply.status(), body.toString());
    for (var header : reply.headers().entrySet()) {
      out = out.withHeader(header.getKey(), header.getValue());
    }
    return out;
  }

  /** A reply's body as JSON, or a missing node when it is not JSON. */
  static JsonNode object(Reply reply) {
    if (reply.body().length == 0 || !reply.contentType().startsWith(Reply.JSON)) {
      return JsonNodeFactory.instance.missingNode();
    }
    try {
      JsonNode node = JSON.readTree(reply.body());
      return node == null ? JsonNodeFactory.instance.missingNode() : node;
    } catch (IOException e) {
      return JsonNodeFactory.instance.missingNode();
    }
  }
}
