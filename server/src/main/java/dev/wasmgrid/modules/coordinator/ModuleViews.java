package dev.wasmgrid.modules.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.http.Reply;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The merged views: what every available worker says about its modules, each module described by
 * the first worker that has it, with the list of workers holding it ({@code "workers"}: url,
 * sha256, live instances, memory, calls in flight and recycling state each, so a worker with
 * another version shows). What they say also refreshes which workers calls may go to.
 */
final class ModuleViews {
  private static final byte[] NONE = new byte[0];
  // The fields of a worker's module summary that differ from worker to worker.
  private static final List<String> PER_WORKER =
      List.of("sha256", "live_instances", "memory_bytes", "calls_in_flight", ModulePaths.RECYCLING);

  private final Supplier<List<WorkerClient>> workers;
  private final ModuleRegistry registry;

  ModuleViews(Supplier<List<WorkerClient>> workers, ModuleRegistry registry) {
    this.workers = workers;
    this.registry = registry;
  }

  /**
   * {@code GET /v1/modules}: every module on some worker or deployed by the coordinator (with
   * {@code "workers":[]} when no worker holds it now), by name, and the workers that did not answer
   * under {@code "unreachable"}.
   */
  Reply list() {
    List<Broadcast.Outcome> outcomes =
        Broadcast.send(workers.get(), "GET", ModulePaths.LIST, "", NONE);
    Map<String, ObjectNode> modules = new TreeMap<>();
    ArrayNode unreachable = JsonNodeFactory.instance.arrayNode();
    for (Broadcast.Outcome outcome : outcomes) {
      JsonNode listed =
          outcome.accepted() ? Broadcast.object(outcome.reply()).path("modules") : null;
      if (listed == null || !listed.isArray()) {
        unreachable.add(outcome.worker());
        continue;
      }
      registry.listed(outcome.worker(), ModuleRegistry.held(listed));
      for (JsonNode summary : listed) {
        ObjectNode merged =
            modules.computeIfAbsent(
                summary.path("name").asText(), n -> withWorkers(summary.deepCopy()));
        ((ArrayNode) merged.get("workers")).add(holder(outcome.worker(), summary));
      }
    }
    for (ModuleRegistry.Deployed module : registry.all()) {
      modules.computeIfAbsent(
          module.name(),
          n ->
              withWorkers(
                  JsonNodeFactory.instance
                      .objectNode()
                      .put("name", n)
                      .put("size_bytes", module.bytes().length)
                      .put("sha256", module.sha256())));
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ArrayNode array = body.putArray("modules");
    modules.values().forEach(array::add);
    body.set("unreachable", unreachable);
    return Reply.ok(body.toString());
  }

  /**
   * {@code GET /v1/modules/{name}}: the first holder's description with every holder listed.
   *
   * @throws Failure 503 {@code no_worker_with_module} when the coordinator deployed it but no
   *     worker answers for it now
   */
  Reply describe(String name) {
    List<Broadcast.Outcome> outcomes =
        Broadcast.send(workers.get(), "GET", ModulePaths.module(name), "", NONE);
    ObjectNode description = null;
    for (Broadcast.Outcome outcome : outcomes) {
      if (outcome.status() == 404) {
        registry.dropped(outcome.worker(), name);
      }
      if (outcome.status() != 200) {
        continue;
      }
      JsonNode body = Broadcast.object(outcome.reply());
      registry.holds(outcome.worker(), name, body.path("sha256").asText());
      if (description == null && body.isObject()) {
        description = withWorkers(((ObjectNode) body).deepCopy());
      }
      if (description != null) {
        ((ArrayNode) description.get("workers")).add(holder(outcome.worker(), body));
      }
    }
    if (description != null) {
      return Reply.ok(description.toString());
    }
    if (registry.find(name).isPresent() || outcomes.stream().anyMatch(o -> o.status() != 404)) {
      throw new Failure(
          Failure.Kind.UNAVAILABLE,
          "no_worker_with_module",
          "name",
          "no available worker answers for module '" + name + "' now; see GET /v1/workers");
    }
    throw new Failure(
        Failure.Kind.NOT_FOUND, "module_not_found", "name", "no module '" + name + "' is deployed");
  }

  /**
   * A {@code GET} of a module's sub-resource, answered by the first worker holding the module that
   * answers at all, as it answered. Holders are tried by URL, as a stateful module's calls are, so
   * its recycling statistics come from the worker its calls go to.
   */
  Reply relay(String name, String target) {
    List<WorkerClient> holders =
        workers.get().stream()
            .filter(w -> registry.holding(w.name(), name))
            .sorted(Comparator.comparing(WorkerClient::name))
            .toList();
    for (WorkerClient worker : holders.isEmpty() ? workers.get() : holders) {
      try {
        return worker.exchange("GET", target, "", NONE);
      } catch (IOException e) {
        // The next worker may answer.
      }
    }
    throw new Failure(
        Failure.Kind.UNAVAILABLE,
        "no_worker_available",
        "",
        "no worker answered GET " + target + "; see /v1/workers");
  }

  private static ObjectNode withWorkers(ObjectNode node) {
    node.putArray("workers");
    return node;
  }

  /** A holder: its URL and what the worker says of its copy (version, instances, memory, ...). */
  private static ObjectNode holder(String worker, JsonNode module) {
    ObjectNode node = JsonNodeFactory.instance.objectNode().put("url", worker);
    for (String field : PER_WORKER) {
      if (module.has(field)) {
        node.set(field, module.get(field));
      }
    }
    return node;
  }
}
