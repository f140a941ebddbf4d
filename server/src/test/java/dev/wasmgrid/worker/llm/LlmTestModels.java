package dev.wasmgrid.worker.llm;

import dev.wasmgrid.llm.Compute;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TinyModels;
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

  /** The vocabulary size of {@link #model()}, for {@link GatedCompute}. */
  public static int vocabSize() {
    return TinyModels.tinyConfig().vocabSize();
  }
}
