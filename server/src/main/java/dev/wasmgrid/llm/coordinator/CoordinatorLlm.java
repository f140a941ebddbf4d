package dev.wasmgrid.llm.coordinator;

import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.llm.worker.LlmWorkerService;
import dev.wasmgrid.llm.worker.ModelHosts;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A coordinator's language-model routes: the in-process worker's own routes when it serves the
 * models itself ({@code serve --model}), or a {@link LlmRelay} to remote workers.
 */
public final class CoordinatorLlm implements Service, AutoCloseable {
  /** Generations a coordinator relays at once unless told otherwise; more get 503. */
  public static final int DEFAULT_MAX_RELAYS = 64;

  private static final Duration LIST_TIMEOUT = Duration.ofSeconds(2);

  private final Service routes;
  private final ModelCatalogue catalogue;
  private final HttpClient http;

  private CoordinatorLlm(Service routes, ModelCatalogue catalogue, HttpClient http) {
    this.routes = routes;
    this.catalogue = catalogue;
    this.http = http;
  }

  /** Serves {@code models} in this process; they stay the caller's to close. */
  public static CoordinatorLlm inProcess(
      ModelHosts models, MeterRegistry registry, long maxBodyBytes) {
    return new CoordinatorLlm(new LlmWorkerService(models, registry, maxBodyBytes), null, null);
  }

  /**
   * Relays to the workers {@code workers} gives; their models are listed through those clients.
   *
   * @param refusing the workers held out of the pool for refusing the coordinator's token: a
   *     request no worker could serve names them (502 {@code worker_unauthorized})
   * @param timeout how long a worker may take to start answering a generation
   */
  public static CoordinatorLlm relay(
      Supplier<List<WorkerClient>> workers,
      Supplier<List<String>> refusing,
      Optional<String> token,
      Duration timeout,
      long maxBodyBytes,
      int maxRelays) {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(LIST_TIMEOUT)
            .build();
    ModelCatalogue catalogue = new ModelCatalogue(workers, refusing, LIST_TIMEOUT);
    LlmRelay relay = new LlmRelay(catalogue, http, token, timeout, maxBodyBytes, maxRelays);
    return new CoordinatorLlm(relay, catalogue, http);
  }

  /** The language-model routes: the in-process worker's, or the relay's. */
  @Override
  public void routing(Routes routes) {
    this.routes.routing(routes);
  }

  /** Asks the workers again which models they host (nothing to do in-process). */
  public void refresh() {
    if (catalogue != null) {
      catalogue.refresh();
    }
  }

  /** Closes the relay's connections to the workers, aborting relays still streaming. */
  @Override
  public void close() {
    if (http != null) {
      http.shutdownNow(); // close() would wait for every open stream to end
    }
  }
}
