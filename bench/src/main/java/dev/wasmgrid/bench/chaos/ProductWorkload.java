package dev.wasmgrid.bench.chaos;

import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Distributed f64 products through the coordinator ({@code ?mode=distributed}), checked element by
 * element. The operands are small integers, so every summation order gives the same exact C: a tile
 * computed twice, by any kernel on any worker, must match bit for bit.
 */
final class ProductWorkload implements Workload {
  private static final Duration BOUND = Duration.ofSeconds(90);

  private final ChaosHttp http;
  private final ReferenceGemm reference = new ReferenceGemm(1);

  ProductWorkload(ChaosHttp http) {
    this.http = http;
  }

  @Override
  public String name() {
    return "matmul";
  }

  @Override
  public Outcome once(RandomGenerator random) throws InterruptedException {
    int m = random.nextInt(128, 640);
    int k = random.nextInt(128, 640);
    int n = random.nextInt(128, 640);
    Matrix.F64 a = RandomMatrices.integers(m, k, random.nextLong());
    Matrix.F64 b = RandomMatrices.integers(k, n, random.nextLong());
    ChaosHttp.Answer answer =
        http.send(
            "POST",
            "/v1/matmul?mode=distributed",
            MatrixFrames.MEDIA_TYPE,
            MatrixFrames.encode(a, b),
            BOUND);
    if (!answer.ok()) {
      return answer.failure();
    }
    String shape = m + "x" + k + "x" + n;
    try {
      List<Matrix> c = MatrixFrames.decode(answer.body(), Math.max(m, n), "C");
      Matrix.F64 expected = (Matrix.F64) Matrix.multiply(reference, a, b);
      if (c.size() == 1
          && c.getFirst() instanceof Matrix.F64 got
          && Arrays.equals(got.data(), expected.data())) {
        return Outcome.ok();
      }
      return Outcome.of(Verdict.WRONG, shape + ": C differs from the local product");
    } catch (RuntimeException e) {
      return Outcome.of(Verdict.WRONG, shape + ": the answer is not a matrix frame: " + e);
    }
  }
}
