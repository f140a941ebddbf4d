package dev.wasmgrid.worker;

import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.llm.worker.LlmWorkerService;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.worker.MatmulCompute;
import dev.wasmgrid.matmul.worker.MatmulWorkerService;
import dev.wasmgrid.modules.worker.ModuleStore;
import dev.wasmgrid.modules.worker.ModuleWorkerService;
import dev.wasmgrid.modules.worker.StoreLimits;
import dev.wasmgrid.sim.EntityBudget;
import dev.wasmgrid.sim.worker.PartitionService;
import dev.wasmgrid.sim.worker.SimPartitions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a worker serves: matrix products, WebAssembly modules, language models and simulation
 * partitions. A worker process serves them over HTTP; an embedded coordinator's in-process worker
 * serves the same ones through a {@link dev.wasmgrid.http.RouteTable}. Closing closes the modules;
 * the models stay the caller's.
 */
public final class WorkerServices implements AutoCloseable {
  private final ModuleStore modules;
  private final LlmWorkerService llm;
  private final List<Service> services;

  private WorkerServices(ModuleStore modules, LlmWorkerService llm, List<Service> services) {
    this.modules = modules;
    this.llm = llm;
    this.services = services;
  }

  /**
   * A worker's services, their meters in {@code registry}.
   *
   * @param modulesDir where deployed modules are kept; empty for memory only
   * @throws java.io.UncheckedIOException when the modules directory cannot be created or read
   */
  public static WorkerServices open(
      Gemm gemm,
      Limits limits,
      MeterRegistry registry,
      Optional<Path> modulesDir,
      StoreLimits moduleLimits,
      ModelHosts models) {
    ModuleStore modules = ModuleStore.open(modulesDir, registry, moduleLimits);
    long maxBody = limits.maxBodyBytes();
    LlmWorkerService llm = new LlmWorkerService(models, registry, maxBody);
    List<Service> services =
        List.of(
            matmul(gemm, limits, registry),
            new ModuleWorkerService(modules, maxBody),
            llm,
            new PartitionService(
                new SimPartitions(SimPartitions.DEFAULT_MAX, EntityBudget.ofThisJvm()), maxBody));
    return new WorkerServices(modules, llm, services);
  }

  /** A worker's matmul service alone: a coordinator's own kernel, for work no worker took. */
  public static MatmulWorkerService matmul(Gemm gemm, Limits limits, MeterRegistry registry) {
    Gauge.builder("wasmgrid.matmul.backend", () -> 1)
        .description("The matmul kernel chosen at start-up (value is always 1)")
        .tag("backend", gemm.name())
        .tag("threads", Integer.toString(gemm.threads()))
        .register(registry);
    return new MatmulWorkerService(new MatmulCompute(gemm, registry), limits.maxDimension());
  }

  /** The services, to serve. */
  public List<Service> list() {
    return services;
  }

  /** The deployed modules. */
  public ModuleStore modules() {
    return modules;
  }

  /** The language-model service, for its meters. */
  public LlmWorkerService llm() {
    return llm;
  }

  @Override
  public void close() {
    modules.close();
  }
}
