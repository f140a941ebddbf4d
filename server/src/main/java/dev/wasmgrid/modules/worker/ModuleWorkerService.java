package dev.wasmgrid.modules.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.ErrorBodies;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Request;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.wasm.BufferExports;
import dev.wasmgrid.wasm.ExportInfo;
import dev.wasmgrid.wasm.GuestCall;
import dev.wasmgrid.wasm.WasmCallException;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * The worker's module routes (docs/api.md, "WebAssembly modules"): {@code PUT}, {@code GET} and
 * {@code DELETE /v1/modules/{name}}, {@code GET /v1/modules} and {@code POST
 * /v1/modules/{name}/call/{export}}. A failing call fails only itself.
 */
public final class ModuleWorkerService implements Service {
  /** The path listing the modules. */
  public static final String LIST = "/v1/modules";

  static final String MODULE = LIST + "/{name}";
  private static final String CALL = MODULE + "/call/{export}";

  private final ModuleStore store;
  private final long maxCallBody;
  private final RecyclingService recycling;

  /**
   * @param maxCallBody the largest call body accepted (the server's {@code --max-body})
   */
  public ModuleWorkerService(ModuleStore store, long maxCallBody) {
    this.store = store;
    this.maxCallBody = maxCallBody;
    this.recycling = new RecyclingService(store, maxCallBody);
  }

  @Override
  public void routing(Routes routes) {
    routes.get(LIST, req -> list());
    routes.put(MODULE, this::deploy);
    routes.get(MODULE, req -> describe(name(req)));
    routes.delete(MODULE, this::delete);
    routes.post(CALL, this::call);
    recycling.routing(routes);
  }

  private Reply list() {
    ArrayNode modules = JsonNodeFactory.instance.arrayNode();
    store.list().forEach(m -> modules.add(WasmJson.summary(m)));
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.set("modules", modules);
    return Reply.ok(body.toString());
  }

  private Reply describe(String name) {
    return Reply.ok(WasmJson.description(find(name)).toString());
  }

  private Reply deploy(Request req) {
    String name = name(req);
    ModuleStore.checkName(name);
    String type = req.contentType();
    String lower = type.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("application/wasm") && !lower.startsWith("application/octet-stream")) {
      throw new Failure(
          Failure.Kind.UNSUPPORTED_MEDIA,
          "unsupported_media_type",
          "",
          "a module is its raw .wasm bytes: Content-Type must be application/wasm, not "
              + (type.isEmpty() ? "absent" : type));
    }
    DeployLimits limits = DeployLimits.of(req, store.maxima());
    BufferExports buffers = buffers(req);
    byte[] bytes;
    try {
      bytes = req.body(limits.module().maxBytes());
    } catch (Failure e) {
      if (e.kind() == Failure.Kind.TOO_LARGE) {
        throw Failure.tooLarge(
            "module_too_large", "", "a module is at most " + limits.module().maxBytes() + " bytes");
      }
      throw e;
    }
    ModuleStore.Outcome outcome;
    try {
      outcome = store.deploy(name, bytes, limits, buffers);
    } catch (WasmCallException e) {
      throw error(e);
    }
    int status = outcome == ModuleStore.Outcome.CREATED ? 201 : 200;
    return Reply.json(status, WasmJson.description(find(name)).toString())
        .withHeader("Location", LIST + "/" + name);
  }

  private Reply delete(Request req) {
    String name = name(req);
    if (!store.remove(name)) {
      throw notFound(name);
    }
    return Reply.noContent();
  }

  private Reply call(Request req) {
    DeployedModule module = find(name(req));
    String exportName = req.param("export");
    ExportInfo export =
        module
            .module()
            .export(exportName)
            .filter(e -> e.kind() == ExportInfo.Kind.FUNCTION)
            .orElseThrow(
                () ->
                    new Failure(
                        Failure.Kind.NOT_FOUND,
                        "missing_export",
                        "export",
                        "module '%s' has no function export '%s'"
                            .formatted(module.module().name(), exportName)));
    GuestCall call =
        CallArguments.parse(
            module.module(),
            export,
            args(req.body(maxCallBody)),
            (int) Math.min(Integer.MAX_VALUE, maxCallBody));
    Reply reply;
    try {
      GuestCall.Outcome outcome = module.calls().call(call);
      ObjectNode body = WasmJson.results(export, outcome.results());
      if (!outcome.out().isEmpty()) {
        ArrayNode out = body.putArray("out");
        outcome.out().forEach(b -> out.add(Base64.getEncoder().encodeToString(b)));
      }
      WasmJson.output(body, outcome.output());
      reply = Reply.ok(body.toString());
    } catch (WasmCallException e) {
      Failure error = error(e);
      reply = ErrorBodies.plain(error);
      if (e.code() == WasmCallException.Code.TOO_MANY_INSTANCES) {
        reply = reply.withHeader("Retry-After", "1");
      }
    }
    return stamped(module, export.name(), reply);
  }

  /** A stateful module's answer, with the {@link StateStamp} of the state it ran under. */
  private static Reply stamped(DeployedModule module, String export, Reply reply) {
    Optional<String> epoch = module.calls().stateEpoch();
    if (epoch.isEmpty()) {
      return reply;
    }
    boolean built =
        reply.status() == 200
            && module.recycling().map(p -> p.stateExports().contains(export)).orElse(false);
    return reply.withHeader(StateStamp.HEADER, new StateStamp(epoch.get(), built).value());
  }

  private static JsonNode args(byte[] body) {
    if (body.length == 0) {
      return JsonNodeFactory.instance.arrayNode();
    }
    JsonNode root = JsonBodies.parse(body);
    if (root == null || !root.isObject() || !root.path("args").isArray()) {
      throw Failure.invalid(
          "malformed_json", "args", "a call's body is {\"args\":[...]}, numbers by the parameters");
    }
    return root.get("args");
  }

  /**
   * The allocator and deallocator the deployer names with {@code ?alloc=} and {@code ?free=}
   * (export names); the usual ones where absent.
   */
  private static BufferExports buffers(Request req) {
    return new BufferExports(exportName(req, "alloc"), exportName(req, "free"));
  }

  private static Optional<String> exportName(Request req, String param) {
    Optional<String> name = req.query(param);
    if (name.isPresent() && (name.get().isEmpty() || name.get().length() > 256)) {
      throw Failure.invalid(
          "invalid_allocator", param, param + " must name a function export (1 to 256 characters)");
    }
    return name;
  }

  /** The failure a wasm call failure is: see the status table in docs/api.md. */
  static Failure error(WasmCallException e) {
    Failure.Kind kind =
        switch (e.code()) {
          case INVALID_MODULE, WRONG_ARGUMENTS, INVALID_ALLOCATOR -> Failure.Kind.INVALID;
          case MISSING_EXPORT -> Failure.Kind.NOT_FOUND;
          case MODULE_TOO_LARGE -> Failure.Kind.TOO_LARGE;
          case TRAP, ABORTED, MEMORY_LIMIT, OUT_OF_BOUNDS, UNSUPPORTED_SIMD ->
              Failure.Kind.UNPROCESSABLE;
          case TOO_MANY_INSTANCES, MODULE_FAILED -> Failure.Kind.UNAVAILABLE;
          case UNKNOWN_HANDLE -> Failure.Kind.CONFLICT;
          case TIMEOUT -> Failure.Kind.TIMED_OUT;
          case BROKEN_INSTANCE -> Failure.Kind.INTERNAL;
        };
    return new Failure(kind, e.code().id(), "", e.getMessage());
  }

  private DeployedModule find(String name) {
    return store.find(name).orElseThrow(() -> notFound(name));
  }

  static Failure notFound(String name) {
    return new Failure(
        Failure.Kind.NOT_FOUND, "module_not_found", "name", "no module '" + name + "' is deployed");
  }

  static String name(Request req) {
    return req.param("name");
  }
}
