package dev.wasmgrid.modules.worker;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.storage.AtomicFiles;
import dev.wasmgrid.wasm.BufferExports;
import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.WasmCallException;
import dev.wasmgrid.wasm.recycle.RecyclingPolicy;
import dev.wasmgrid.wasm.recycle.RecyclingProxy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The modules deployed on a worker, by name. With a directory, each module's bytes are kept there
 * as {@code <sha256>.wasm} (written once, shared by every name deploying the same bytes) and {@link
 * #INDEX} maps each name to its hash and call timeout, so a worker started again on the directory
 * has the same modules; a stateful module's call log is kept beside them ({@link CallLogFiles}), so
 * it has the same states too. Without a directory they are kept in memory only.
 */
public final class ModuleStore implements AutoCloseable {
  /**
   * The index file in a module directory: name → {sha256, timeout_ms, max_memory_mb, max_instances,
   * queue, alloc, free, recycling, state_epoch}.
   */
  public static final String INDEX = "modules.json";

  private static final Logger LOG = LoggerFactory.getLogger(ModuleStore.class);
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, DeployedModule> modules = new ConcurrentSkipListMap<>();
  private final Optional<Path> dir;
  private final ModuleMetrics metrics;
  private final StoreLimits limits;
  private final ModuleCompiler compiler;
  private final CallLogFiles logs;

  /** A store keeping its modules in memory only, its metrics nowhere. */
  public ModuleStore() {
    this(Optional.empty(), new SimpleMeterRegistry(), StoreLimits.DEFAULTS);
  }

  private ModuleStore(Optional<Path> dir, MeterRegistry registry, StoreLimits limits) {
    this.dir = dir;
    this.metrics = new ModuleMetrics(registry);
    this.limits = limits;
    this.compiler = new ModuleCompiler(limits.maxCompile());
    this.logs = new CallLogFiles(dir);
  }

  /**
   * A store on {@code dir} (created when missing) with every module its index names loaded; an
   * empty {@code dir} keeps modules in memory only. A module whose bytes are missing, do not match
   * their hash or no longer compile (within {@link StoreLimits#maxCompile()}) is skipped with a
   * warning, and so are those past {@link StoreLimits#maxModules()}.
   *
   * @param registry where the modules' metrics go
   * @throws UncheckedIOException when the directory cannot be created or its index read
   */
  public static ModuleStore open(Optional<Path> dir, MeterRegistry registry, StoreLimits limits) {
    ModuleStore store = new ModuleStore(dir, registry, limits);
    if (dir.isEmpty()) {
      return store;
    }
    try {
      Files.createDirectories(dir.get());
      store.load();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use module directory " + dir.get() + ": " + e, e);
    }
    synchronized (store) {
      // States that could not be rebuilt start new epochs: the index names their logs.
      store.persist(null);
    }
    return store;
  }

  /** The directory modules are kept in, if any. */
  public Optional<Path> directory() {
    return dir;
  }

  /** The most a deployment may ask for its module. */
  ModuleMaxima maxima() {
    return limits.maxima();
  }

  /** How many modules are deployed. */
  public int size() {
    return modules.size();
  }

  private void load() throws IOException {
    Path index = dir.orElseThrow().resolve(INDEX);
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(index));
    } catch (NoSuchFileException e) {
      return;
    }
    JsonNode entries = root == null ? null : root.get("modules");
    if (entries == null || !entries.isObject()) {
      throw new IOException(index + " is not {\"modules\":{...}}");
    }
    for (Map.Entry<String, JsonNode> entry : entries.properties()) {
      String name = entry.getKey();
      if (modules.size() >= limits.maxModules()) {
        LOG.warn(
            "module '{}' from {} is skipped: {} modules are loaded (--max-modules)",
            name,
            dir.orElseThrow(),
            modules.size());
        continue;
      }
      try {
        DeployedModule module = restore(name, entry.getValue());
        modules.put(name, module);
        metrics.watch(name, module.calls());
        module
            .proxy()
            .map(p -> p.stats().restoreNote())
            .filter(note -> !note.isEmpty())
            .ifPresent(note -> LOG.warn("stateful module '{}': {}", name, note));
      } catch (IOException | RuntimeException e) {
        LOG.warn("module '{}' from {} is skipped: {}", name, dir.orElseThrow(), e.getMessage());
      }
    }
  }

  private DeployedModule restore(String name, JsonNode entry) throws IOException {
    checkName(name);
    String sha = entry.path("sha256").asText("");
    if (!SHA256.matcher(sha).matches()) {
      throw new IOException("its index entry has no valid sha256");
    }
    DeployLimits deployLimits = DeployLimits.of(entry, limits.maxima());
    byte[] bytes = Files.readAllBytes(blob(sha));
    if (!sha256(bytes).equals(sha)) {
      throw new IOException(blob(sha) + " does not match its sha256 " + sha);
    }
    BufferExports buffers = new BufferExports(text(entry, "alloc"), text(entry, "free"));
    CompiledModule compiled;
    try {
      compiled = compiler.compile(name, bytes, deployLimits.module(), buffers);
    } catch (WasmCallException e) {
      throw new IOException(blob(sha) + " no longer compiles: " + e.getMessage(), e);
    }
    Optional<RecyclingPolicy> policy =
        entry.has("recycling")
            ? Optional.of(RecyclingJson.policy(entry.get("recycling")))
            : Optional.empty();
    Optional<String> epoch = policy.isPresent() ? text(entry, "state_epoch") : Optional.empty();
    return serve(compiled, sha, policy, epoch, deployLimits.queue());
  }

  private static Optional<String> text(JsonNode entry, String field) {
    return entry.hasNonNull(field) ? Optional.of(entry.get(field).asText()) : Optional.empty();
  }

  /**
   * {@code compiled} ready for calls: behind a recycling proxy when it has a policy, its state
   * rebuilt from the stored log of {@code epoch} when given, else starting empty.
   *
   * @throws Failure 400 {@code invalid_policy} when the policy does not fit the module
   */
  private DeployedModule serve(
      CompiledModule compiled,
      String sha,
      Optional<RecyclingPolicy> policy,
      Optional<String> epoch,
      int queue) {
    ModuleCalls calls;
    if (policy.isPresent()) {
      try {
        calls =
            new RecycledModule(
                new RecyclingProxy(
                    compiled,
                    policy.get(),
                    metrics.listener(compiled.name()),
                    logs.journal(compiled.name(), epoch)));
      } catch (IllegalArgumentException e) {
        throw RecyclingJson.invalid("", e.getMessage());
      }
    } else {
      calls = new InstancePool(compiled, queue);
    }
    return new DeployedModule(compiled, sha, policy, calls, queue);
  }

  /** Whether a deployment added a module or replaced one. */
  enum Outcome {
    CREATED,
    REPLACED
  }

  /**
   * Compiles {@code bytes} and deploys them as {@code name}, replacing a module of that name (whose
   * idle instances are closed; calls in flight finish on the old one). A replaced module's
   * recycling policy carries over to the new one, whose state starts afresh.
   *
   * @throws Failure 400 {@code invalid_name}, or {@code invalid_policy} when the new module does
   *     not fit the recycling policy of the one it replaces; 409 {@code too_many_modules} for a new
   *     name when {@link StoreLimits#maxModules()} are deployed; 422 {@code compile_timeout} past
   *     {@link StoreLimits#maxCompile()}
   * @throws dev.wasmgrid.wasm.WasmCallException {@code invalid_module}, {@code module_too_large},
   *     {@code invalid_allocator}
   */
  Outcome deploy(String name, byte[] bytes, DeployLimits limits, BufferExports buffers) {
    checkName(name);
    // Before compiling too: a deployment that cannot be kept costs no compile.
    checkRoom(name);
    CompiledModule compiled = compiler.compile(name, bytes, limits.module(), buffers);
    DeployedModule old;
    synchronized (this) {
      checkRoom(name);
      Optional<RecyclingPolicy> policy = find(name).flatMap(DeployedModule::recycling);
      DeployedModule deployed;
      try {
        deployed = serve(compiled, sha256(bytes), policy, Optional.empty(), limits.queue());
      } catch (Failure e) {
        throw RecyclingJson.invalid(
            "",
            e.getMessage()
                + "; the module it replaces has this recycling policy: DELETE /v1/modules/"
                + name
                + "/recycling first");
      }
      if (dir.isPresent()) {
        writeBlob(deployed.sha256(), bytes);
      }
      old = modules.put(name, deployed);
      try {
        persist(old);
      } catch (UncheckedIOException e) {
        // Not stored: the module stays as it was.
        if (old == null) {
          modules.remove(name);
        } else {
          modules.put(name, old);
        }
        deployed.calls().close();
        throw e;
      }
      metrics.watch(name, deployed.calls());
    }
    if (old == null) {
      return Outcome.CREATED;
    }
    old.calls().close();
    return Outcome.REPLACED;
  }

  /** Checks there is room for a module called {@code name}: it replaces one, or one more fits. */
  private void checkRoom(String name) {
    if (!modules.containsKey(name) && modules.size() >= limits.maxModules()) {
      throw new Failure(
          Failure.Kind.CONFLICT,
          "too_many_modules",
          "name",
          "this worker holds its limit of "
              + limits.maxModules()
              + " modules (--max-modules): DELETE one, or deploy under a name in use to replace it");
    }
  }

  /**
   * Makes {@code name} stateful under {@code policy} (or stateless when empty): its calls go to a
   * fresh instance from now on, calls in flight finish on the old ones.
   *
   * @return the module as it is now, or empty when none is deployed under that name
   * @throws Failure 400 {@code invalid_policy} when the policy does not fit the module
   */
  Optional<DeployedModule> recycling(String name, Optional<RecyclingPolicy> policy) {
    DeployedModule old;
    DeployedModule now;
    synchronized (this) {
      old = modules.get(name);
      if (old == null) {
        return Optional.empty();
      }
      now = serve(old.module(), old.sha256(), policy, Optional.empty(), old.queue());
      modules.put(name, now);
      try {
        persist(null);
      } catch (UncheckedIOException e) {
        modules.put(name, old);
        now.calls().close();
        throw e;
      }
      metrics.watch(name, now.calls());
    }
    old.calls().close();
    return Optional.of(now);
  }

  /** The module called {@code name}, if deployed. */
  Optional<DeployedModule> find(String name) {
    return Optional.ofNullable(modules.get(name));
  }

  /** Removes a module; false when there was none of that name. */
  boolean remove(String name) {
    DeployedModule old;
    synchronized (this) {
      old = modules.remove(name);
      if (old == null) {
        return false;
      }
      try {
        persist(old);
      } catch (UncheckedIOException e) {
        modules.put(name, old);
        throw e;
      }
      metrics.forget(name);
    }
    old.calls().close();
    return true;
  }

  /** Writes the index, then deletes {@code dropped}'s blob when no name uses it any more. */
  private void persist(DeployedModule dropped) {
    if (dir.isEmpty()) {
      return;
    }
    ObjectNode entries = JsonNodeFactory.instance.objectNode();
    Set<String> keep = new HashSet<>();
    modules.forEach(
        (name, m) -> {
          ObjectNode entry = entries.putObject(name).put("sha256", m.sha256());
          m.limits().write(entry);
          m.module().bufferExports().alloc().ifPresent(a -> entry.put("alloc", a));
          m.module().bufferExports().free().ifPresent(f -> entry.put("free", f));
          m.recycling().ifPresent(p -> entry.set("recycling", RecyclingJson.json(p)));
          m.calls()
              .stateEpoch()
              .ifPresent(
                  e -> {
                    entry.put("state_epoch", e);
                    keep.add(CallLogFiles.fileName(name, e));
                  });
        });
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.set("modules", entries);
    try {
      AtomicFiles.write(dir.get().resolve(INDEX), root.toPrettyString().getBytes(UTF_8));
      if (dropped != null
          && modules.values().stream().noneMatch(m -> m.sha256().equals(dropped.sha256()))) {
        Files.deleteIfExists(blob(dropped.sha256()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the module index in " + dir.get(), e);
    }
    logs.prune(keep);
  }

  private void writeBlob(String sha, byte[] bytes) {
    Path blob = blob(sha);
    try {
      if (!Files.exists(blob) || !sha256(Files.readAllBytes(blob)).equals(sha)) {
        AtomicFiles.write(blob, bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + blob, e);
    }
  }

  private Path blob(String sha) {
    return dir.orElseThrow().resolve(sha + ".wasm");
  }

  /** Every deployed module, by name. */
  List<DeployedModule> list() {
    return List.copyOf(modules.values());
  }

  /** Closes every module's idle instances. */
  @Override
  public void close() {
    compiler.close();
    modules.values().forEach(m -> m.calls().close());
    modules.clear();
  }

  static void checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw Failure.invalid(
          "invalid_name",
          "name",
          "a module name is 1 to 64 of [a-z0-9_-], starting with a letter or digit: " + name);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
