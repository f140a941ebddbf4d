package dev.wasmgrid.modules.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.http.Reply;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys, configures and deletes modules on every worker, and brings each worker in line with what
 * the coordinator deployed: {@link #reconcile()} (run periodically) lists every worker's modules,
 * deploys the ones it lacks or holds in another version, with their settings, and deletes the ones
 * the coordinator deleted while it was away. Changes are serialised, so a reconciliation never puts
 * back a version a concurrent deployment replaced.
 */
public final class ModuleDistributor {
  private static final Logger LOG = LoggerFactory.getLogger(ModuleDistributor.class);
  private static final byte[] NONE = new byte[0];

  private final Supplier<List<WorkerClient>> workers;
  private final ModuleRegistry registry;
  private final Object changes = new Object();

  /**
   * @param workers the workers that may get requests now (the pool's healthy ones)
   */
  ModuleDistributor(Supplier<List<WorkerClient>> workers, ModuleRegistry registry) {
    this.workers = workers;
    this.registry = registry;
  }

  /**
   * Deploys {@code bytes} as {@code name} on every worker: 201 (or 200 when every worker replaced a
   * module of that name) with the module's description and each worker's outcome; 502 {@code
   * deploy_incomplete} when a worker failed it (the others keep it, and the failed ones get it when
   * they are next reconciled); a refusal every worker gives (invalid module, bad timeout) as is.
   */
  Reply deploy(String name, String contentType, String query, byte[] bytes) {
    List<WorkerClient> targets = available();
    String sha = ModuleRegistry.sha256(bytes);
    String target = ModulePaths.module(name) + (query.isEmpty() ? "" : "?" + query);
    List<Broadcast.Outcome> outcomes;
    synchronized (changes) {
      outcomes = Broadcast.send(targets, "PUT", target, contentType, bytes);
      if (outcomes.stream().anyMatch(Broadcast.Outcome::accepted)) {
        registry.deployed(name, bytes, contentType, query, sha);
      }
      outcomes.stream()
          .filter(Broadcast.Outcome::accepted)
          .forEach(o -> registry.holds(o.worker(), name, sha));
    }
    Reply reply = Broadcast.summary(outcomes, "deploy_incomplete", "deploying module " + name);
    if (reply.status() / 100 == 2) {
      boolean replaced = outcomes.stream().allMatch(o -> o.status() == 200);
      reply =
          (replaced
                  ? Reply.ok(reply.contentType(), reply.body())
                  : Reply.created(reply.contentType(), reply.body()))
              .withHeader("Location", ModulePaths.module(name));
    }
    return reply;
  }

  /**
   * Deletes a module on every worker: 204 when it is gone everywhere, 404 {@code module_not_found}
   * when no worker had it and the coordinator did not deploy it, 502 {@code delete_incomplete}
   * naming the workers that failed (they lose it when next reconciled).
   */
  Reply delete(String name) {
    List<WorkerClient> targets = available();
    Optional<ModuleRegistry.Deployed> old;
    List<Broadcast.Outcome> outcomes;
    synchronized (changes) {
      old = registry.deleted(name);
      outcomes = Broadcast.send(targets, "DELETE", ModulePaths.module(name), "", NONE);
      outcomes.stream()
          .filter(o -> o.accepted() || o.status() == 404)
          .forEach(o -> registry.dropped(o.worker(), name));
    }
    boolean gone = outcomes.stream().allMatch(o -> o.accepted() || o.status() == 404);
    if (!gone) {
      return Broadcast.summary(outcomes, "delete_incomplete", "deleting module " + name);
    }
    if (old.isEmpty() && outcomes.stream().noneMatch(Broadcast.Outcome::accepted)) {
      return Broadcast.summary(outcomes, "delete_incomplete", "deleting module " + name);
    }
    return Reply.noContent();
  }

  /**
   * Sends a request on a module's sub-resource ({@code /v1/modules/{name}/{sub}}, such as its
   * {@code recycling} settings) to every worker; a {@code PUT} is remembered and sent again to
   * workers the module is deployed on later. Answers as {@link Broadcast#summary}.
   */
  Reply broadcast(
      String method, String name, String sub, String contentType, String query, byte[] body) {
    List<WorkerClient> targets = available();
    String target =
        ModulePaths.module(name)
            + "/"
            + ModulePaths.segment(sub)
            + (query.isEmpty() ? "" : "?" + query);
    List<Broadcast.Outcome> outcomes;
    synchronized (changes) {
      outcomes = Broadcast.send(targets, method, target, contentType, body);
      if (outcomes.stream().anyMatch(Broadcast.Outcome::accepted)) {
        switch (method) {
          case "PUT" ->
              registry.set(name, sub, new ModuleRegistry.Setting(contentType, query, body));
          case "DELETE" -> registry.unset(name, sub);
          default -> {}
        }
      }
      if (sub.equals(ModulePaths.RECYCLING) && !method.equals("POST")) {
        outcomes.stream()
            .filter(Broadcast.Outcome::accepted)
            .forEach(o -> registry.stateful(o.worker(), name, method.equals("PUT")));
      }
    }
    return Broadcast.summary(
        outcomes, "broadcast_incomplete", method + " " + ModulePaths.module(name) + "/" + sub);
  }

  /** Brings every available worker in line with the coordinator's modules; never throws. */
  public void reconcile() {
    List<WorkerClient> targets = workers.get();
    registry.retain(targets.stream().map(WorkerClient::name).collect(Collectors.toSet()));
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      targets.forEach(worker -> threads.execute(() -> reconcile(worker)));
    }
  }

  /** Re-reads which modules every available worker holds. */
  void refresh() {
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      workers.get().forEach(worker -> threads.execute(() -> list(worker)));
    }
  }

  private void reconcile(WorkerClient worker) {
    Optional<Map<String, ModuleRegistry.Held>> held = list(worker);
    if (held.isEmpty()) {
      return;
    }
    for (ModuleRegistry.Deployed module : registry.all()) {
      ModuleRegistry.Held there = held.get().get(module.name());
      if (there == null || !module.sha256().equals(there.sha256())) {
        push(worker, module.name());
      }
    }
    held.get()
        .forEach(
            (name, there) -> {
              if (registry.isDeleted(name, there.sha256())) {
                remove(worker, name, there.sha256());
              }
            });
  }

  /** Lists a worker's modules into the registry; empty when it did not answer. */
  private Optional<Map<String, ModuleRegistry.Held>> list(WorkerClient worker) {
    Reply reply;
    try {
      reply = worker.exchange("GET", ModulePaths.LIST, "", NONE);
    } catch (IOException e) {
      return Optional.empty();
    }
    JsonNode modules = Broadcast.object(reply).path("modules");
    if (reply.status() != 200 || !modules.isArray()) {
      LOG.warn("worker {} lists no modules: it answered {}", worker.name(), reply.status());
      return Optional.empty();
    }
    Map<String, ModuleRegistry.Held> held = ModuleRegistry.held(modules);
    registry.listed(worker.name(), held);
    return Optional.of(held);
  }

  /** Deploys the coordinator's version of {@code name} and its settings on one worker. */
  private void push(WorkerClient worker, String name) {
    synchronized (changes) {
      Optional<ModuleRegistry.Deployed> current = registry.find(name);
      // Looked at again under the lock: a deployment since the listing may have put it there.
      if (current.isEmpty() || current.get().sha256().equals(heldVersion(worker, name))) {
        return;
      }
      ModuleRegistry.Deployed module = current.get();
      Broadcast.Outcome outcome =
          Broadcast.one(worker, "PUT", module.target(), module.contentType(), module.bytes());
      if (!outcome.accepted()) {
        LOG.warn("worker {} did not take module {}: {}", worker.name(), name, outcome.json());
        return;
      }
      registry.holds(worker.name(), name, module.sha256());
      module
          .settings()
          .forEach(
              (sub, setting) -> {
                String target =
                    ModulePaths.module(name)
                        + "/"
                        + ModulePaths.segment(sub)
                        + (setting.query().isEmpty() ? "" : "?" + setting.query());
                Broadcast.Outcome set =
                    Broadcast.one(worker, "PUT", target, setting.contentType(), setting.body());
                if (!set.accepted()) {
                  LOG.warn("worker {} did not take {}: {}", worker.name(), target, set.json());
                }
              });
      LOG.info("module {} deployed on worker {}, which lacked it", name, worker.name());
    }
  }

  private void remove(WorkerClient worker, String name, String sha) {
    synchronized (changes) {
      if (!registry.isDeleted(name, sha) || !sha.equals(heldVersion(worker, name))) {
        return;
      }
      Broadcast.Outcome outcome =
          Broadcast.one(worker, "DELETE", ModulePaths.module(name), "", NONE);
      if (outcome.accepted() || outcome.status() == 404) {
        registry.dropped(worker.name(), name);
        LOG.info("module {}, deleted while worker {} was away, deleted there", name, worker.name());
      }
    }
  }

  /** The sha256 of the worker's module {@code name} now, or "" when it has none or is silent. */
  private static String heldVersion(WorkerClient worker, String name) {
    try {
      Reply reply = worker.exchange("GET", ModulePaths.module(name), "", NONE);
      return reply.status() == 200 ? Broadcast.object(reply).path("sha256").asText("") : "";
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * The workers to send a change to.
   *
   * @throws Failure 503 {@code no_worker_available} when there is none
   */
  List<WorkerClient> available() {
    List<WorkerClient> targets = workers.get();
    if (targets.isEmpty()) {
      throw new Failure(
          Failure.Kind.UNAVAILABLE,
          "no_worker_available",
          "",
          "no worker is available to take the change; see GET /v1/workers");
    }
    return targets;
  }
}
