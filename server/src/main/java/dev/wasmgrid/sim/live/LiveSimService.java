package dev.wasmgrid.sim.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Request;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.sim.coordinator.SimHost;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.helidon.websocket.WsUpgradeException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The live-simulation API of a coordinator (docs/api.md, "Simulation"): {@code POST /v1/sim} starts
 * one, {@code GET /v1/sim} lists, {@code GET /v1/sim/{id}} reports (with the state hash), {@code
 * POST /v1/sim/{id}/control} pauses, resumes, sets the speed, adds food or resets, {@code DELETE
 * /v1/sim/{id}} stops, and the WebSocket {@code /v1/sim/{id}/frames} streams frames.
 */
public final class LiveSimService implements AutoCloseable, Service {
  /** Where simulations are started and listed. */
  public static final String PATH = "/v1/sim";

  private static final String ONE = PATH + "/{id}";
  private static final long MAX_BODY = 4096;

  private final LiveSims sims;

  /**
   * @param workers the hosts of {@code placement: workers}, asked at each start
   */
  public LiveSimService(SimLimits limits, Supplier<List<SimHost>> workers) {
    this.sims =
        new LiveSims(
            limits,
            spec -> {
              if (spec.placement() == Placement.LOCAL) {
                return new LocalEngine(spec);
              }
              List<SimHost> hosts = workers.get();
              if (hosts.isEmpty()) {
                throw new Failure(
                    Failure.Kind.UNAVAILABLE,
                    "no_workers",
                    "placement",
                    "placement workers, but no worker is up");
              }
              try {
                return new WorkerEngine(spec, hosts);
              } catch (IllegalStateException e) {
                throw new Failure(
                    Failure.Kind.WORKER_FAILED, "worker_refused", "placement", e.getMessage());
              }
            });
  }

  /** {@code POST /v1/sim}: 201 with the new simulation's status. */
  private Reply start(String contentType, byte[] body, Map<String, String> query) {
    LiveSimRequest spec =
        LiveSimRequest.parse(JsonBodies.parseObject(body, LiveSimRequest.EXAMPLE), sims.limits());
    LiveSim sim = sims.start(spec);
    return Reply.created(sim.status().toString()).withHeader("Location", PATH + "/" + sim.id());
  }

  /** {@code GET /v1/sim}: every live simulation's status. */
  private Reply list() {
    ArrayNode list = JsonNodeFactory.instance.arrayNode();
    for (LiveSim sim : sims.list()) {
      try {
        list.add(sim.status());
      } catch (Failure e) {
        // Deleted while listing: not live any more.
      }
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.set("sims", list);
    return Reply.ok(body.toString());
  }

  @Override
  public void routing(Routes routes) {
    routes.postBody(PATH, this::start);
    routes.get(PATH, this::list);
    routes.get(ONE, req -> Reply.ok(find(req).status().toString()));
    routes.delete(
        ONE,
        req -> {
          String id = req.param("id");
          if (!sims.stop(id)) {
            throw notFound(id);
          }
          return Reply.ok("{\"id\":\"" + id + "\",\"state\":\"deleted\"}");
        });
    routes.post(
        ONE + "/control",
        req -> {
          LiveSim sim = find(req);
          JsonNode body = JsonBodies.parseObject(req.body(MAX_BODY), "{\"action\":\"pause\"}");
          JsonNode action = body.get("action");
          if (action == null || !action.isTextual()) {
            throw Failure.invalid(
                "bad_action",
                "action",
                "action must be one of pause, resume, speed, add_food, reset");
          }
          int speed =
              action.asText().equals("speed")
                  ? LiveSimRequest.ticksPerSecond(body, sims.limits())
                  : 0;
          return Reply.ok(sim.control(action.asText(), speed).toString());
        });
    routes.socket(ONE + "/frames", FramesListener::new);
  }

  @Override
  public void close() {
    sims.close();
  }

  private LiveSim find(Request req) {
    String id = req.param("id");
    return sims.find(id).orElseThrow(() -> notFound(id));
  }

  private static Failure notFound(String id) {
    return new Failure(
        Failure.Kind.NOT_FOUND,
        "not_found",
        "id",
        "no live simulation " + id + "; see GET /v1/sim");
  }

  /** One client's socket: finds its simulation on the upgrade, subscribes on open. */
  private final class FramesListener implements WsListener {
    private LiveSim sim;
    private FrameSink sink;

    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers)
        throws WsUpgradeException {
      String path = prologue.uriPath().path();
      // The route's pattern is PATH/{id}/frames.
      String id =
          path.substring(PATH.length() + 1, Math.max(PATH.length() + 1, path.lastIndexOf('/')));
      sim = sims.find(id).orElseThrow(() -> new WsUpgradeException("no live simulation " + id));
      return Optional.empty();
    }

    @Override
    public void onOpen(WsSession session) {
      sink = sim.subscribe(session);
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
      if (sink != null) {
        sink.gone();
      }
    }

    @Override
    public void onError(WsSession session, Throwable t) {
      if (sink != null) {
        sink.gone();
      }
    }
  }
}
