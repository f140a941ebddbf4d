package dev.wasmgrid.http;

/**
 * One workload's HTTP face in one role (a worker's matmul, a coordinator's jobs, ...): it declares
 * every route it serves in {@link #routing}, in the spirit of Helidon's {@code
 * HttpService.routing(HttpRules)}. A node is the list of its services; adding a route to a workload
 * means editing its service and nothing else.
 */
@FunctionalInterface
public interface Service {

  /** Declares this service's routes. */
  void routing(Routes routes);
}
