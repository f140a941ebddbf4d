package dev.wasmgrid.modules.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * What the coordinator knows about modules, in memory: the modules it deployed (bytes, query and
 * settings, to deploy them again on workers that lack them), the ones it deleted (so a worker that
 * was away when they went loses them too), and which modules each worker was last seen holding.
 * Thread-safe.
 */
final class ModuleRegistry {

  /** A sub-resource body sent to every worker, such as a module's {@code recycling} settings. */
  // The body is kept as received and only ever sent, never changed.
  @SuppressWarnings("ArrayRecordComponent")
  record Setting(String contentType, String query, byte[] body) {}

  /**
   * A module deployed through the coordinator.
   *
   * @param query the deployment's query string without {@code ?} (such as {@code timeout_ms=500}),
   *     or empty
   * @param settings the sub-resources {@code PUT} on it, by name, in the order first set
   */
  // The bytes are kept as received and only ever sent, never changed.
  @SuppressWarnings("ArrayRecordComponent")
  record Deployed(
      String name,
      String sha256,
      byte[] bytes,
      String contentType,
      String query,
      Map<String, Setting> settings) {

    /** The path and query that deploy it on a worker. */
    String target() {
      return ModulePaths.module(name) + (query.isEmpty() ? "" : "?" + query);
    }

    /** The same module with its settings changed by {@code change}. */
    Deployed withSettings(Consumer<Map<String, Setting>> change) {
      Map<String, Setting> changed = new LinkedHashMap<>(settings);
      change.accept(changed);
      return new Deployed(name, sha256, bytes, contentType, query, Map.copyOf(changed));
    }
  }

  // Guarded by this.
  private final Map<String, Deployed> deployed = new HashMap<>();
  // Guarded by this: name -> sha256 of what the coordinator deleted.
  private final Map<String, String> deleted = new HashMap<>();
  // Worker name -> (module name -> what it holds), as last listed or changed by the coordinator.
  private final Map<String, Map<String, Held>> holdings = new ConcurrentHashMap<>();

  /** Records a deployment, keeping the settings of an earlier one of that name. */
  synchronized void deployed(
      String name, byte[] bytes, String contentType, String query, String sha256) {
    Deployed old = deployed.get(name);
    Map<String, Setting> settings = old == null ? Map.of() : old.settings();
    deployed.put(name, new Deployed(name, sha256, bytes, contentType, query, settings));
    deleted.remove(name);
  }

  /** Records a setting of a module the coordinator deployed; ignored for others. */
  synchronized void set(String name, String sub, Setting setting) {
    deployed.computeIfPresent(name, (n, module) -> module.withSettings(m -> m.put(sub, setting)));
  }

  /** Records that a setting was deleted. */
  synchronized void unset(String name, String sub) {
    deployed.computeIfPresent(name, (n, module) -> module.withSettings(m -> m.remove(sub)));
  }

  /**
   * Forgets a deployment, remembering its version was deleted (a module the coordinator did not
   * deploy has no version to remember); the module it was, if any.
   */
  synchronized Optional<Deployed> deleted(String name) {
    Deployed old = deployed.remove(name);
    if (old != null) {
      deleted.put(name, old.sha256());
    }
    return Optional.ofNullable(old);
  }

  synchronized Optional<Deployed> find(String name) {
    return Optional.ofNullable(deployed.get(name));
  }

  synchronized List<Deployed> all() {
    return List.copyOf(deployed.values());
  }

  /** Whether {@code sha256} under {@code name} is something the coordinator deleted. */
  synchronized boolean isDeleted(String name, String sha256) {
    return sha256.equals(deleted.get(name));
  }

  /**
   * A module as a worker holds it.
   *
   * @param stateful whether it has a recycling policy there, so its calls build state on that
   *     worker
   */
  record Held(String sha256, boolean stateful) {}

  /** What a worker's {@code GET /v1/modules} array says it holds, by name. */
  static Map<String, Held> held(JsonNode modules) {
    Map<String, Held> held = new HashMap<>();
    for (JsonNode m : modules) {
      // A stateful module's summary carries its recycling generation and swaps.
      held.put(
          m.path("name").asText(),
          new Held(m.path("sha256").asText(), m.has(ModulePaths.RECYCLING)));
    }
    return held;
  }

  /** Replaces what a worker holds with its listing. */
  void listed(String worker, Map<String, Held> modules) {
    holdings.put(worker, Map.copyOf(modules));
  }

  /**
   * Notes that a worker now holds {@code name} as {@code sha256}; a recycling policy it had stays
   * (the worker keeps it across redeployments).
   */
  void holds(String worker, String name, String sha256) {
    change(worker, name, old -> new Held(sha256, old != null && old.stateful()));
  }

  /** Notes that a module got or lost its recycling policy on a worker holding it. */
  void stateful(String worker, String name, boolean stateful) {
    change(worker, name, old -> old == null ? null : new Held(old.sha256(), stateful));
  }

  /** Notes that a worker no longer holds {@code name}. */
  void dropped(String worker, String name) {
    change(worker, name, old -> null);
  }

  private void change(String worker, String name, UnaryOperator<Held> how) {
    holdings.compute(
        worker,
        (w, old) -> {
          Map<String, Held> changed = new HashMap<>(old == null ? Map.of() : old);
          Held held = how.apply(changed.get(name));
          if (held == null) {
            changed.remove(name);
          } else {
            changed.put(name, held);
          }
          return Map.copyOf(changed);
        });
  }

  /** Whether the worker was last seen holding {@code name}. */
  boolean holding(String worker, String name) {
    return holdings.getOrDefault(worker, Map.of()).containsKey(name);
  }

  /**
   * Whether calls of {@code name} build state: a recycling policy was set on it through the
   * coordinator, or one of {@code workers} was last seen holding it with one.
   */
  boolean stateful(String name, Collection<String> workers) {
    if (find(name).map(m -> m.settings().containsKey(ModulePaths.RECYCLING)).orElse(false)) {
      return true;
    }
    return workers.stream()
        .map(w -> holdings.getOrDefault(w, Map.of()).get(name))
        .anyMatch(held -> held != null && held.stateful());
  }

  /** Forgets the holdings of workers no longer in {@code workers}. */
  void retain(Set<String> workers) {
    holdings.keySet().retainAll(workers);
  }

  /** The SHA-256 of {@code bytes} in lower-case hex, as workers report it. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
