package dev.wasmgrid.modules.coordinator;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Request;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.wasm.ModuleLimits;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The coordinator's {@code /v1/modules} routes over remote workers (docs/api.md, "WebAssembly
 * modules"): changes go to every worker, reads are merged, calls go to one worker holding the
 * module. {@link #reconcile()} brings workers that joined or came back up to date.
 */
public final class ModuleCoordinatorService implements Service {
  private static final byte[] NONE = new byte[0];

  private final ModuleDistributor distributor;
  private final CallPlacement calls;
  private final ModuleViews views;
  private final long maxCallBody;

  /**
   * @param workers the workers that may get requests now
   * @param maxCallBody the largest call body accepted (the server's {@code --max-body})
   */
  public ModuleCoordinatorService(
      Supplier<List<WorkerClient>> workers, MeterRegistry meters, long maxCallBody) {
    ModuleRegistry registry = new ModuleRegistry();
    this.distributor = new ModuleDistributor(workers, registry);
    this.calls = new CallPlacement(workers, registry, distributor, meters);
    this.views = new ModuleViews(workers, registry);
    this.maxCallBody = maxCallBody;
  }

  /** Deploys on every available worker what it lacks of the coordinator's modules. */
  public void reconcile() {
    distributor.reconcile();
  }

  @Override
  public void routing(Routes routes) {
    routes.get(ModulePaths.LIST, req -> views.list());
    routes.put(ModulePaths.MODULE, this::deploy);
    routes.get(ModulePaths.MODULE, req -> views.describe(name(req)));
    routes.delete(ModulePaths.MODULE, req -> delete(name(req)));
    routes.post(ModulePaths.CALL, this::call);
    routes.put(ModulePaths.SUB, this::broadcast);
    routes.post(ModulePaths.SUB, this::broadcast);
    routes.delete(ModulePaths.SUB, this::broadcast);
    routes.get(ModulePaths.SUB, this::relay);
  }

  private Reply deploy(Request req) {
    String name = name(req);
    String type = contentType(req);
    String lower = type.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("application/wasm") && !lower.startsWith("application/octet-stream")) {
      throw new Failure(
          Failure.Kind.UNSUPPORTED_MEDIA,
          "unsupported_media_type",
          "",
          "a module is its raw .wasm bytes: Content-Type must be application/wasm, not "
              + (type.isEmpty() ? "absent" : type));
    }
    long limit = ModuleLimits.defaults().maxBytes();
    byte[] bytes;
    try {
      bytes = req.body(limit);
    } catch (Failure e) {
      if (e.kind() == Failure.Kind.TOO_LARGE) {
        throw Failure.tooLarge("module_too_large", "", "a module is at most " + limit + " bytes");
      }
      throw e;
    }
    return distributor.deploy(name, type, req.rawQuery(), bytes);
  }

  private Reply delete(String name) {
    Reply reply = distributor.delete(name);
    calls.forget(name);
    return reply;
  }

  private Reply call(Request req) {
    String name = name(req);
    String export = req.param("export");
    byte[] body = req.body(maxCallBody);
    return calls.call(name, export, contentType(req), body);
  }

  private Reply broadcast(Request req) {
    String method = req.method();
    byte[] body = method.equals("DELETE") ? NONE : req.body(maxCallBody);
    return distributor.broadcast(
        method, name(req), sub(req), contentType(req), req.rawQuery(), body);
  }

  private Reply relay(Request req) {
    String name = name(req);
    String query = req.rawQuery();
    String target =
        ModulePaths.module(name)
            + "/"
            + ModulePaths.segment(sub(req))
            + (query.isEmpty() ? "" : "?" + query);
    return views.relay(name, target);
  }

  private static String name(Request req) {
    return ModulePaths.checkName(req.param("name"));
  }

  private static String sub(Request req) {
    return req.param("sub");
  }

  private static String contentType(Request req) {
    return req.contentType();
  }
}
