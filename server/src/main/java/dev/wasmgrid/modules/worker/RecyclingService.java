package dev.wasmgrid.modules.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.ErrorBodies;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Request;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.wasm.WasmCallException;
import dev.wasmgrid.wasm.recycle.RecyclingPolicy;
import dev.wasmgrid.wasm.recycle.RecyclingProxy;
import dev.wasmgrid.wasm.recycle.ReplayMismatchException;
import dev.wasmgrid.wasm.recycle.SwapReport;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The routes that make a module stateful and recycled (docs/api.md, "Recycling"): {@code GET},
 * {@code PUT} and {@code DELETE /v1/modules/{name}/recycling}, and {@code POST
 * /v1/modules/{name}/recycle} to swap in a fresh instance now.
 */
final class RecyclingService implements Service {
  static final String POLICY = ModuleWorkerService.MODULE + "/recycling";
  static final String RECYCLE = ModuleWorkerService.MODULE + "/recycle";

  private final ModuleStore store;
  private final long maxBody;

  RecyclingService(ModuleStore store, long maxBody) {
    this.store = store;
    this.maxBody = maxBody;
  }

  @Override
  public void routing(Routes routes) {
    routes.get(POLICY, this::describe);
    routes.put(POLICY, this::set);
    routes.delete(POLICY, this::remove);
    routes.post(RECYCLE, this::recycle);
  }

  Reply describe(Request req) {
    DeployedModule module = find(req);
    RecyclingProxy proxy = module.proxy().orElseThrow(() -> notRecycled(module));
    return Reply.ok(state(proxy).toString());
  }

  Reply set(Request req) {
    String name = ModuleWorkerService.name(req);
    JsonNode body = JsonBodies.parse(req.body(maxBody));
    RecyclingPolicy policy = RecyclingJson.policy(body);
    DeployedModule module =
        store
            .recycling(name, Optional.of(policy))
            .orElseThrow(() -> ModuleWorkerService.notFound(name));
    return Reply.ok(state(module.proxy().orElseThrow()).toString());
  }

  Reply remove(Request req) {
    DeployedModule module = find(req);
    if (module.recycling().isEmpty()) {
      throw notRecycled(module);
    }
    store.recycling(module.module().name(), Optional.empty());
    return Reply.noContent();
  }

  Reply recycle(Request req) {
    DeployedModule module = find(req);
    RecyclingProxy proxy = module.proxy().orElseThrow(() -> notRecycled(module));
    Reply reply;
    try {
      SwapReport report =
          proxy
              .recycle()
              .get(2 * module.module().limits().callTimeout().toMillis(), TimeUnit.MILLISECONDS);
      reply = Reply.ok(RecyclingJson.swap(report).toString());
    } catch (ExecutionException e) {
      reply = ErrorBodies.plain(prepareFailed(e.getCause()));
    } catch (TimeoutException e) {
      reply =
          ErrorBodies.plain(
              new Failure(
                  Failure.Kind.TIMED_OUT,
                  "timeout",
                  "",
                  "the standby was not ready in time; it is still being made"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while recycling", e);
    }
    return reply;
  }

  private static Failure prepareFailed(Throwable cause) {
    if (cause instanceof WasmCallException w) {
      return ModuleWorkerService.error(w);
    }
    String message = String.valueOf(cause.getMessage());
    // A replay that differs is the module's fault (it is not deterministic), not the server's.
    return cause instanceof ReplayMismatchException
        ? new Failure(Failure.Kind.UNPROCESSABLE, "replay_mismatch", "", message)
        : new Failure(Failure.Kind.UNAVAILABLE, "prepare_failed", "", message);
  }

  private static ObjectNode state(RecyclingProxy proxy) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.set("policy", RecyclingJson.json(proxy.policy()));
    node.set("stats", RecyclingJson.stats(proxy.stats()));
    return node;
  }

  private DeployedModule find(Request req) {
    String name = ModuleWorkerService.name(req);
    return store.find(name).orElseThrow(() -> ModuleWorkerService.notFound(name));
  }

  private static Failure notRecycled(DeployedModule module) {
    return new Failure(
        Failure.Kind.CONFLICT,
        "not_recycled",
        "name",
        "module '%s' is stateless: PUT a policy to /v1/modules/%s/recycling first"
            .formatted(module.module().name(), module.module().name()));
  }
}
