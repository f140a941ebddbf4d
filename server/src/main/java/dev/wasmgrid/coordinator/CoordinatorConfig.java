package dev.wasmgrid.coordinator;

import dev.wasmgrid.grid.discovery.DiscoverySettings;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.jobs.JobSettings;
import dev.wasmgrid.modules.worker.ModuleMaxima;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a coordinator needs to start; see {@link #builder}.
 *
 * @param server where to listen, limits, and the token, which is also sent to the workers
 * @param workers where workers come from; {@link WorkerSources#inProcess()} for the in-process one
 * @param workerTimeout how long one call to a remote worker may take
 * @param discovery how often workers are looked for, probed and expired
 * @param localGemm the in-process worker's kernel; with remote workers, the kernel for work no
 *     worker can take (null for none: such work then fails with 503)
 * @param jobs limits of the long-job API
 * @param jobsDir where the jobs' records are kept, so that a restarted coordinator can say what
 *     became of them; empty to keep them in memory only
 * @param models the language models the in-process worker serves (they stay the caller's to close);
 *     with remote workers, language-model requests are relayed to the workers instead
 * @param moduleMaxima the most a module deployment may ask for on the in-process worker
 */
public record CoordinatorConfig(
    ServerSettings server,
    WorkerSources workers,
    Duration workerTimeout,
    DiscoverySettings discovery,
    Gemm localGemm,
    JobSettings jobs,
    Optional<Path> jobsDir,
    ModelHosts models,
    ModuleMaxima moduleMaxima) {

  /**
   * A coordinator on {@code server} with an in-process worker computing with {@code localGemm},
   * other settings at their defaults.
   */
  public static Builder builder(ServerSettings server, Gemm localGemm) {
    return new Builder(server, localGemm);
  }

  /**
   * Builds a {@link CoordinatorConfig}: by default an in-process worker, a 2-minute worker timeout,
   * the default discovery and job settings, jobs in memory only and no language models.
   */
  public static final class Builder {
    private final ServerSettings server;
    private final Gemm localGemm;
    private WorkerSources workers = WorkerSources.parse(List.of());
    private Duration workerTimeout = Duration.ofMinutes(2);
    private DiscoverySettings discovery = DiscoverySettings.DEFAULTS;
    private JobSettings jobs = JobSettings.DEFAULTS;
    private Optional<Path> jobsDir = Optional.empty();
    private ModelHosts models = ModelHosts.none();
    private ModuleMaxima moduleMaxima = ModuleMaxima.DEFAULTS;

    private Builder(ServerSettings server, Gemm localGemm) {
      this.server = server;
      this.localGemm = localGemm;
    }

    /** Where workers come from. */
    public Builder workers(WorkerSources workers) {
      this.workers = workers;
      return this;
    }

    /** How long one call to a remote worker may take. */
    public Builder workerTimeout(Duration timeout) {
      this.workerTimeout = timeout;
      return this;
    }

    /** How often workers are looked for, probed and expired. */
    public Builder discovery(DiscoverySettings discovery) {
      this.discovery = discovery;
      return this;
    }

    /** Limits of the long-job API. */
    public Builder jobs(JobSettings jobs) {
      this.jobs = jobs;
      return this;
    }

    /** Keeps the jobs' records in {@code dir}, or in memory only when empty. */
    public Builder jobsDir(Optional<Path> dir) {
      this.jobsDir = dir;
      return this;
    }

    /** The language models the in-process worker serves. */
    public Builder models(ModelHosts models) {
      this.models = models;
      return this;
    }

    /** The most a module deployment may ask for on the in-process worker. */
    public Builder moduleMaxima(ModuleMaxima maxima) {
      this.moduleMaxima = maxima;
      return this;
    }

    /** The settings given so far, defaults for the rest. */
    public CoordinatorConfig build() {
      return new CoordinatorConfig(
          server,
          workers,
          workerTimeout,
          discovery,
          localGemm,
          jobs,
          jobsDir,
          models,
          moduleMaxima);
    }

    /** Starts the coordinator: see {@link CoordinatorNode#start(CoordinatorConfig)}. */
    public CoordinatorNode start() {
      return CoordinatorNode.start(build());
    }
  }
}
