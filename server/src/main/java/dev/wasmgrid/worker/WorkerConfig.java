package dev.wasmgrid.worker;

import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.modules.worker.StoreLimits;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a worker needs to start; see {@link #builder}.
 *
 * @param server where to listen, limits, and the token
 * @param gemm the matmul kernel
 * @param modulesDir where deployed modules are kept (created when missing; every module indexed
 *     there is loaded first); empty to keep them in memory only
 * @param models the language models served, which the worker closes
 * @param moduleLimits bounds on the module store
 */
public record WorkerConfig(
    ServerSettings server,
    Gemm gemm,
    Optional<Path> modulesDir,
    ModelHosts models,
    StoreLimits moduleLimits) {

  /** A worker on {@code server} computing with {@code gemm}, other settings at their defaults. */
  public static Builder builder(ServerSettings server, Gemm gemm) {
    return new Builder(server, gemm);
  }

  /** Builds a {@link WorkerConfig}: modules in memory, no language models, default store limits. */
  public static final class Builder {
    private final ServerSettings server;
    private final Gemm gemm;
    private Optional<Path> modulesDir = Optional.empty();
    private ModelHosts models = ModelHosts.none();
    private StoreLimits moduleLimits = StoreLimits.DEFAULTS;

    private Builder(ServerSettings server, Gemm gemm) {
      this.server = server;
      this.gemm = gemm;
    }

    /** Keeps deployed modules in {@code dir}, or in memory only when empty. */
    public Builder modulesDir(Optional<Path> dir) {
      this.modulesDir = dir;
      return this;
    }

    /** Serves {@code models}, which the worker closes. */
    public Builder models(ModelHosts models) {
      this.models = models;
      return this;
    }

    /** Bounds the module store by {@code limits}. */
    public Builder moduleLimits(StoreLimits limits) {
      this.moduleLimits = limits;
      return this;
    }

    /** The settings given so far, defaults for the rest. */
    public WorkerConfig build() {
      return new WorkerConfig(server, gemm, modulesDir, models, moduleLimits);
    }

    /** Starts the worker: see {@link WorkerNode#start(WorkerConfig)}. */
    public WorkerNode start() {
      return WorkerNode.start(build());
    }
  }
}
