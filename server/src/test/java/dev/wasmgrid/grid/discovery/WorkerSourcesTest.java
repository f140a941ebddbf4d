package dev.wasmgrid.grid.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing {@code --workers} entries and worker URLs. */
class WorkerSourcesTest {

  @Test
  void noEntriesMeansTheInProcessWorker() {
    assertThat(WorkerSources.parse(List.of()).inProcess()).isTrue();
    assertThat(WorkerSources.parse(List.of("join")).inProcess()).isFalse();
  }

  @Test
  void entriesOfEveryKindAreParsed() {
    WorkerSources sources =
        WorkerSources.parse(
            List.of(
                "http://127.0.0.1:8081/",
                "dns:workers.default.svc:8081",
                " http://127.0.0.1:8082",
                "join"));
    assertThat(sources.acceptJoins()).isTrue();
    assertThat(sources.polled()).hasSize(2);
    assertThat(sources.polled().getFirst())
        .isEqualTo(
            new StaticDiscovery(
                List.of(URI.create("http://127.0.0.1:8081"), URI.create("http://127.0.0.1:8082"))));
    assertThat(sources.polled().get(1)).hasToString("dns:workers.default.svc:8081");
  }

  @Test
  void badEntriesAreNamed() {
    assertThatThrownBy(() -> WorkerSources.parse(List.of("dns:workers")))
        .hasMessageContaining("dns:NAME:PORT");
    assertThatThrownBy(() -> WorkerSources.parse(List.of("dns:workers:http")))
        .hasMessageContaining("port number");
    assertThatThrownBy(() -> WorkerSources.parse(List.of("dns:workers:0")))
        .hasMessageContaining("1..65535");
    assertThatThrownBy(() -> WorkerSources.parse(List.of("127.0.0.1:8081")))
        .hasMessageContaining("'127.0.0.1:8081' is not an http:// or https:// URL");
    assertThatThrownBy(() -> WorkerSources.parse(List.of("http://127.0.0.1:8081/rpc")))
        .hasMessageContaining("without path");
  }

  @Test
  void workerUrlsHaveOneNormalForm() {
    assertThat(WorkerUrl.parse("http://127.0.0.1:8081/")).hasToString("http://127.0.0.1:8081");
    assertThat(WorkerUrl.parse("https://[::1]:8443")).hasToString("https://[::1]:8443");
    assertThatThrownBy(() -> WorkerUrl.parse("http://:8081")).hasMessageContaining("no host");
    assertThatThrownBy(() -> WorkerUrl.parse("http://u@127.0.0.1:8081"))
        .hasMessageContaining("without path");
  }
}
