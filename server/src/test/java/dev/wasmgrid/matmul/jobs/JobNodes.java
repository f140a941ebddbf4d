package dev.wasmgrid.matmul.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.coordinator.CoordinatorConfig;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.worker.WorkerNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Coordinators with job settings for the job tests, and exact-product checks. */
final class JobNodes {
  private JobNodes() {}

  /**
   * A coordinator on {@code workers} (the in-process worker when empty) with its own reference
   * kernel, so {@code local} products run on it.
   */
  static CoordinatorNode coordinator(
      List<WorkerNode> workers, JobSettings jobs, Optional<String> token) {
    return CoordinatorNode.start(
        CoordinatorConfig.builder(
                new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, token), new ReferenceGemm(1))
            .workers(WorkerSources.parse(workers.stream().map(w -> Nodes.url(w.port())).toList()))
            .workerTimeout(Duration.ofSeconds(60))
            .discovery(Nodes.FAST)
            .jobs(jobs)
            .build());
  }

  /**
   * A coordinator on {@code workers} computing {@code local} products with {@code localGemm} and
   * keeping its job records in {@code jobsDir}.
   */
  static CoordinatorNode coordinator(
      List<WorkerNode> workers, JobSettings jobs, Path jobsDir, Gemm localGemm) {
    return CoordinatorNode.start(
        CoordinatorConfig.builder(
                new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.empty()), localGemm)
            .workers(WorkerSources.parse(workers.stream().map(w -> Nodes.url(w.port())).toList()))
            .workerTimeout(Duration.ofSeconds(60))
            .discovery(Nodes.FAST)
            .jobs(jobs)
            .jobsDir(Optional.of(jobsDir))
            .build());
  }

  static MatmulRequest request(Dtype dtype, int m, int k, int n) {
    return new MatmulRequest(RandomMatrices.of(dtype, m, k, 7), RandomMatrices.of(dtype, k, n, 8));
  }

  /** Checks that {@code frame} holds exactly the reference product, bit for bit. */
  static void assertExact(MatmulRequest request, byte[] frame) {
    Matrix c = MatrixFrames.decode(frame, Integer.MAX_VALUE, "C").getFirst();
    Matrix expected = Matrix.multiply(new ReferenceGemm(1), request.a(), request.b());
    switch (expected) {
      case Matrix.F64 e -> assertThat(((Matrix.F64) c).data()).containsExactly(e.data());
      case Matrix.F32 e -> assertThat(((Matrix.F32) c).data()).containsExactly(e.data());
    }
  }
}
