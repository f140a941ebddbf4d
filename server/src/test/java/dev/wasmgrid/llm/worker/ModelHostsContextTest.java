package dev.wasmgrid.llm.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.TinyModels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A served model keeps at most the context it is given, and never more than its file declares. */
class ModelHostsContextTest {

  @Test
  void aModelIsCutToTheContextAndKeepsAShorterOneOfItsOwn() throws Exception {
    int declared = TinyModels.tinyConfig().seqLen();
    try (ModelHosts cut = ModelHosts.load(List.of(ModelHosts.TINY), 1, 1, 0, 16);
        ModelHosts own = ModelHosts.load(List.of(ModelHosts.TINY), 1, 1, 0, declared * 4)) {
      assertThat(contextOf(cut)).isEqualTo(16);
      assertThat(contextOf(own)).isEqualTo(declared);
    }
  }

  private static int contextOf(ModelHosts hosts) {
    return hosts.list().getFirst().model().modelInfo().contextLength();
  }
}
