package dev.wasmgrid.bench.chaos;

import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.wasm.WasmInstance;
import dev.wasmgrid.wasm.WasmModules;
import java.io.IOException;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Calls of the bundled prover as a stateful module through the coordinator: {@code setup} builds a
 * table and returns its handle, {@code prove(handle, 0)} digests it. Every 200 from {@code prove}
 * must carry the digest of the table that {@code setup} built (worked out here, in a fresh
 * instance); when the state is lost with its worker, the coordinator or the worker must say so (an
 * error), and the client builds it again.
 */
final class StatefulWorkload implements Workload {
  static final String MODULE = "prover";
  static final String POLICY =
      "{\"state_exports\":[\"setup\"],\"handle_params\":{\"prove\":[0],\"state_digest\":[0]},"
          + "\"digest_export\":\"state_digest\"}";
  private static final int TABLE_MIB = 1;
  private static final Duration BOUND = Duration.ofSeconds(30);

  private final ChaosHttp http;
  private final long expected;
  private Long handle;

  StatefulWorkload(ChaosHttp http) {
    this.http = http;
    try (WasmInstance plain = WasmModules.bundled(MODULE, ModuleLimits.defaults()).instantiate()) {
      this.expected = plain.call("prove", plain.call("setup", TABLE_MIB)[0], 0)[0];
    }
  }

  /**
   * Deploys the module and its policy through the coordinator, again until every worker has them (a
   * worker busy compiling may miss the coordinator's timeout) or {@code attempts} are spent.
   */
  static void deploy(ChaosHttp http, int attempts) throws InterruptedException {
    ChaosHttp.Answer last = null;
    for (int i = 0; i < attempts; i++) {
      ChaosHttp.Answer put =
          http.send(
              "PUT",
              "/v1/modules/" + MODULE,
              "application/wasm",
              WasmModules.bundledBytes(MODULE),
              BOUND);
      last =
          put.ok() ? http.json("PUT", "/v1/modules/" + MODULE + "/recycling", POLICY, BOUND) : put;
      if (last.ok()) {
        return;
      }
    }
    throw new IllegalStateException("the prover could not be deployed: " + last.failure());
  }

  @Override
  public String name() {
    return "stateful";
  }

  @Override
  public Outcome once(RandomGenerator random) throws InterruptedException {
    if (handle == null) {
      ChaosHttp.Answer built = call("setup", "[" + TABLE_MIB + "]");
      if (!built.ok()) {
        return built.failure();
      }
      handle = result(built);
      return handle == null ? Outcome.of(Verdict.WRONG, "setup answered no handle") : Outcome.ok();
    }
    ChaosHttp.Answer proof = call("prove", "[" + handle + ",0]");
    if (!proof.ok()) {
      if (proof.status() == 409) {
        handle = null; // the state is gone, and we were told: build it again
      }
      return proof.failure();
    }
    Long got = result(proof);
    if (got == null || got != expected) {
      return Outcome.of(
          Verdict.WRONG, "prove(" + handle + ") answered " + got + ", expected " + expected);
    }
    return Outcome.ok();
  }

  private ChaosHttp.Answer call(String export, String args) throws InterruptedException {
    return http.json(
        "POST", "/v1/modules/" + MODULE + "/call/" + export, "{\"args\":" + args + "}", BOUND);
  }

  private static Long result(ChaosHttp.Answer answer) {
    try {
      var results = answer.json().path("results");
      return results.size() == 1 && results.get(0).canConvertToLong()
          ? results.get(0).asLong()
          : null;
    } catch (IOException e) {
      return null;
    }
  }
}
