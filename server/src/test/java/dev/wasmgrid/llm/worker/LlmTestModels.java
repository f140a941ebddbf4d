package dev.wasmgrid.llm.worker;

import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.Compute;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TinyModels;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.worker.WorkerConfig;
import dev.wasmgrid.worker.WorkerNode;
import java.util.List;

/** Tiny models for the HTTP tests: the same weights for the server and for the expected answers. */
public final class LlmTestModels {
  private static final long SEED = 3;

  private LlmTestModels() {}

  /** The tiny test model. */
  public static Model model() {
    return TinyModels.model(TinyModels.tinyConfig(), TensorType.Q8_0, SEED);
  }

  /** The tiny model on the scalar path, as the expected answers are computed. */
  public static LanguageModel reference() {
    return new LanguageModel(model(), new ScalarCompute());
  }

  /** One hosted model {@code name} computing with {@code compute}. */
  public static ModelHosts hosts(String name, Compute compute, int queue) {
    return new ModelHosts(
        List.of(new HostedModel(name, new LanguageModel(model(), compute), queue)));
  }

  /** A worker on a free loopback port, with no token, hosting {@code hosts}. */
  public static WorkerNode worker(Limits limits, ModelHosts hosts) {
    return WorkerConfig.builder(ServerSettings.open("127.0.0.1", 0, limits), new ReferenceGemm(1))
        .models(hosts)
        .start();
  }

  /** The vocabulary size of {@link #model()}, for {@link GatedCompute}. */
  public static int vocabSize() {
    return TinyModels.tinyConfig().vocabSize();
  }
}
