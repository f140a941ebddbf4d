package dev.wasmgrid.sim.live;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.sim.StateHash;
import io.helidon.websocket.WsSession;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * One live simulation: a loop thread that owns the engine, steps it at the asked speed, and between
 * ticks runs the requests of other threads (status, controls) and publishes a frame to the
 * subscribers at most {@link #MAX_FPS} times a second. Nothing touches the engine but that thread,
 * so the kernel needs no locks.
 */
final class LiveSim {
  /** Frames per second a client gets at most. */
  static final int MAX_FPS = 60;

  private static final long FRAME_NANOS = 1_000_000_000L / MAX_FPS;
  private static final long ANSWER_SECONDS = 30;

  private final String id;
  private final LiveSimRequest spec;
  private final Function<LiveSimRequest, SimEngine> engines;
  private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
  private final List<FrameSink> sinks = new CopyOnWriteArrayList<>();
  private final Thread loop;
  private SimEngine engine;
  private volatile boolean stopped;
  private volatile boolean paused;
  private volatile int ticksPerSecond;
  private String failure;
  private long lastFrame = Long.MIN_VALUE / 2;
  private long lastTickNanos;
  private long rateStart = System.nanoTime();
  private long rateTicks;
  private float measuredTps;
  private long framesBuilt;
  private long frameCostNanos;

  LiveSim(String id, LiveSimRequest spec, Function<LiveSimRequest, SimEngine> engines) {
    this.id = id;
    this.spec = spec;
    this.engines = engines;
    this.ticksPerSecond = spec.ticksPerSecond();
    this.engine = engines.apply(spec);
    this.loop = Thread.ofPlatform().name("sim-" + id).daemon().start(this::run);
  }

  String id() {
    return id;
  }

  /** The status document of {@code GET /v1/sim/{id}}, computed between ticks. */
  ObjectNode status() {
    return call(this::statusNow);
  }

  /**
   * Applies a control: {@code pause}, {@code resume}, {@code speed} (with {@code ticksPerSecond}),
   * {@code add_food} or {@code reset}; returns the status after it.
   */
  ObjectNode control(String action, int speed) {
    return call(
        () -> {
          switch (action) {
            case "pause" -> paused = true;
            case "resume" -> paused = false;
            case "speed" -> ticksPerSecond = speed;
            case "add_food" -> engine.regrowFood();
            case "reset" -> {
              SimEngine fresh = engines.apply(spec);
              engine.close();
              engine = fresh;
              failure = null;
            }
            default ->
                throw Failure.invalid(
                    "bad_action",
                    "action",
                    "action must be pause, resume, speed, add_food or reset, got \""
                        + action
                        + "\"");
          }
          publish(true);
          return statusNow();
        });
  }

  /** Starts sending frames to a WebSocket client; the current frame goes out at once. */
  FrameSink subscribe(WsSession session) {
    FrameSink sink = new FrameSink(session, sinks::remove);
    sinks.add(sink);
    tasks.add(() -> publish(true));
    if (stopped) {
      // Deleted between the upgrade and now: stop() may have closed the sinks before this one.
      sinks.remove(sink);
      sink.close("simulation " + id + " deleted");
    }
    return sink;
  }

  /** Stops the loop and the engine, and closes every client's socket. */
  void stop() {
    stopped = true;
    loop.interrupt();
    try {
      loop.join(TimeUnit.SECONDS.toMillis(ANSWER_SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sinks.forEach(s -> s.close("simulation " + id + " deleted"));
  }

  private void run() {
    long deadline = System.nanoTime();
    try {
      while (!stopped) {
        drain();
        if (paused || failure != null) {
          runNext(Long.MAX_VALUE);
          deadline = System.nanoTime();
          continue;
        }
        step();
        publish(false);
        deadline += 1_000_000_000L / ticksPerSecond;
        long now = System.nanoTime();
        // Running late (a slow tick) starts a new schedule instead of bursting to catch up.
        if (now - deadline > 1_000_000_000L) {
          deadline = now;
        }
        while (!stopped && !paused && System.nanoTime() < deadline) {
          runNext(deadline - System.nanoTime());
        }
      }
    } catch (InterruptedException e) {
      // stop() interrupts the loop; the engine is closed below.
    } finally {
      engine.close();
      // Requests still queued are answered, with the engine gone.
      Runnable task;
      while ((task = tasks.poll()) != null) {
        task.run();
      }
    }
  }

  private void drain() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      task.run();
    }
  }

  private void runNext(long nanos) throws InterruptedException {
    Runnable task = tasks.poll(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    if (task != null) {
      task.run();
    }
  }

  private void step() {
    long t0 = System.nanoTime();
    try {
      engine.step();
    } catch (RuntimeException e) {
      failure = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
      LoggerFactory.getLogger(LiveSim.class).warn("sim {} failed at tick {}", id, engine.tick(), e);
      publish(true);
      return;
    }
    long t1 = System.nanoTime();
    lastTickNanos = t1 - t0;
    rateTicks++;
    if (t1 - rateStart >= 1_000_000_000L) {
      measuredTps = rateTicks * 1e9f / (t1 - rateStart);
      rateStart = t1;
      rateTicks = 0;
    }
  }

  private void publish(boolean force) {
    long now = System.nanoTime();
    // A frame that is costly to build (positions pulled from remote workers) is built less often,
    // so the viewers never take more than a fifth of the loop's time.
    long interval = Math.max(FRAME_NANOS, 4 * frameCostNanos);
    if (stopped || sinks.isEmpty() || (!force && now - lastFrame < interval)) {
      return;
    }
    lastFrame = now;
    int flags =
        (paused ? ViewFrame.PAUSED : 0)
            | (spec.placement() == Placement.WORKERS ? ViewFrame.WORKERS : 0);
    byte[] frame =
        ViewFrame.encode(
            spec.config(),
            engine.tick(),
            flags,
            engine.view(),
            lastTickNanos / 1e6f,
            paused ? 0f : measuredTps,
            engine.recoveries());
    framesBuilt++;
    frameCostNanos = System.nanoTime() - now;
    for (FrameSink sink : sinks) {
      sink.offer(frame);
    }
  }

  private ObjectNode statusNow() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    o.put("id", id);
    o.put("state", failure != null ? "failed" : paused ? "paused" : "running");
    if (failure != null) {
      o.put("error", failure);
    }
    o.put("entities", spec.config().entities());
    o.put("seed", spec.config().seed());
    o.put("width", spec.config().width());
    o.put("height", spec.config().height());
    o.put("placement", spec.placement().wire());
    o.put("ticks_per_second", ticksPerSecond);
    o.put("tick", engine.tick());
    o.put("hash", StateHash.hex(engine.stateHash()));
    SimEngine.View view = engine.view();
    int predators = 0;
    for (int i = 0; i < view.entities().count(); i++) {
      predators += view.entities().species(i);
    }
    ObjectNode population = o.putObject("population");
    population.put("prey", view.entities().count() - predators);
    population.put("predators", predators);
    ArrayNode parts = o.putArray("partitions");
    for (SimEngine.PartitionStatus p : view.partitions()) {
      ObjectNode part = parts.addObject();
      part.put("host", p.host());
      part.put("owned", p.owned());
      part.put("tick_ms", p.tickNanos() / 1e6);
      part.put("status", new String[] {"thread", "worker", "unreachable"}[p.status()]);
    }
    o.put("recoveries", engine.recoveries());
    o.put("frames_url", "/v1/sim/" + id + "/frames");
    o.put("subscribers", sinks.size());
    o.put("frames_built", framesBuilt);
    o.put("frames_sent", sinks.stream().mapToLong(FrameSink::sent).sum());
    o.put("frames_dropped", sinks.stream().mapToLong(FrameSink::dropped).sum());
    return o;
  }

  /** Runs {@code action} on the loop thread between ticks and waits for its answer. */
  private <T> T call(Supplier<T> action) {
    CompletableFuture<T> answer = new CompletableFuture<>();
    tasks.add(
        () -> {
          if (stopped) {
            answer.completeExceptionally(
                new Failure(
                    Failure.Kind.NOT_FOUND, "not_found", "", "simulation " + id + " was deleted"));
            return;
          }
          try {
            answer.complete(action.get());
          } catch (RuntimeException e) {
            answer.completeExceptionally(e);
          }
        });
    try {
      return answer.get(ANSWER_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new Failure(
          Failure.Kind.UNAVAILABLE,
          "sim_busy",
          "",
          "simulation " + id + " did not answer within " + ANSWER_SECONDS + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(
          Failure.Kind.UNAVAILABLE,
          "interrupted",
          "",
          "interrupted while waiting for the simulation");
    }
  }
}
