package dev.wasmgrid.bench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.bench.SimBench;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.Simulation;
import dev.wasmgrid.sim.StateHash;
import java.io.IOException;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * A live simulation on the coordinator's workers ({@code "placement":"workers"}), run to a tick,
 * paused, and its state hash compared with the same world stepped here to the same tick: a recovery
 * from a checkpoint must reproduce the world exactly.
 */
final class SimWorkload implements Workload {
  private static final Duration CALL = Duration.ofSeconds(30);
  private static final long RUN_NANOS = Duration.ofSeconds(90).toNanos();
  private static final int PARTITIONS = 2;
  private static final long TICKS = 120;

  private final ChaosHttp http;

  SimWorkload(ChaosHttp http) {
    this.http = http;
  }

  @Override
  public String name() {
    return "sim";
  }

  @Override
  public Outcome once(RandomGenerator random) throws InterruptedException {
    int entities = random.nextInt(800, 2500);
    long seed = random.nextLong(1, 1_000_000);
    ChaosHttp.Answer created =
        http.json(
            "POST",
            "/v1/sim",
            "{\"entities\":"
                + entities
                + ",\"seed\":"
                + seed
                + ",\"partitions\":"
                + PARTITIONS
                + ",\"placement\":\"workers\",\"ticks_per_second\":300}",
            CALL);
    if (!created.ok()) {
      return created.failure();
    }
    String id;
    try {
      id = created.json().path("id").asText();
    } catch (IOException e) {
      return Outcome.of(Verdict.LOST, "POST /v1/sim answered no JSON: " + e);
    }
    try {
      return runToTheEnd(id, entities, seed);
    } finally {
      http.json("DELETE", "/v1/sim/" + id, null, CALL);
    }
  }

  private Outcome runToTheEnd(String id, int entities, long seed) throws InterruptedException {
    String story = "sim " + id + " (" + entities + " entities, seed " + seed + ")";
    long deadline = System.nanoTime() + RUN_NANOS;
    while (true) {
      ChaosHttp.Answer status = http.json("GET", "/v1/sim/" + id, null, CALL);
      if (!status.ok()) {
        return status.failure();
      }
      JsonNode json = json(status);
      if (json.path("state").asText().equals("failed")) {
        return Outcome.of(Verdict.LOST, story + " failed: " + json);
      }
      if (json.path("tick").asLong() >= TICKS) {
        break;
      }
      if (System.nanoTime() > deadline) {
        return Outcome.of(Verdict.HUNG, story + " still at tick " + json.path("tick").asLong());
      }
      Thread.sleep(100); // polling a status; the sim runs on its own loop
    }
    ChaosHttp.Answer paused =
        http.json("POST", "/v1/sim/" + id + "/control", "{\"action\":\"pause\"}", CALL);
    if (!paused.ok()) {
      return paused.failure();
    }
    JsonNode status = json(paused);
    long tick = status.path("tick").asLong();
    String hash = status.path("hash").asText();
    String expected = localHash(entities, seed, tick);
    if (!hash.equals(expected)) {
      return Outcome.of(
          Verdict.WRONG, story + " at tick " + tick + ": hash " + hash + ", locally " + expected);
    }
    return Outcome.ok();
  }

  private static JsonNode json(ChaosHttp.Answer answer) {
    try {
      return answer.json();
    } catch (IOException e) {
      throw new IllegalStateException("a 200 without JSON: " + e, e);
    }
  }

  private static String localHash(int entities, long seed, long ticks) {
    try (Simulation sim = SimBench.fast(SimConfig.of(entities, seed), PARTITIONS)) {
      while (sim.tick() < ticks) {
        sim.step();
      }
      return StateHash.hex(sim.stateHash());
    }
  }
}
