package dev.wasmgrid.llm.coordinator;

import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * A coordinator's language-model routes: the {@link LlmRelay} to the workers hosting models, the
 * in-process worker included, and the catalogue of which worker hosts what.
 */
public final class CoordinatorLlm implements Service {
  /** Generations a coordinator relays at once unless told otherwise; more get 503. */
  public static final int DEFAULT_MAX_RELAYS = 64;

  private static final Duration LIST_TIMEOUT = Duration.ofSeconds(2);

  private final ModelCatalogue catalogue;
  private final LlmRelay relay;

  /**
   * Relays to the workers {@code workers} gives; their models are listed through those clients.
   *
   * @param refusing the workers held out of the pool for refusing the coordinator's token: a
   *     request no worker could serve names them (502 {@code worker_unauthorized})
   * @param maxRelays generations relayed at once; more get 503
   */
  public CoordinatorLlm(
      Supplier<List<WorkerClient>> workers,
      Supplier<List<String>> refusing,
      long maxBodyBytes,
      int maxRelays) {
    this.catalogue = new ModelCatalogue(workers, refusing, LIST_TIMEOUT);
    this.relay = new LlmRelay(catalogue, maxBodyBytes, maxRelays);
  }

  @Override
  public void routing(Routes routes) {
    relay.routing(routes);
  }

  /** Asks the workers again which models they host. */
  public void refresh() {
    catalogue.refresh();
  }
}
