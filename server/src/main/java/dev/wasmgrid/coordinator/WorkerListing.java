package dev.wasmgrid.coordinator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.http.Reply;
import java.util.function.Supplier;

/** {@code GET /v1/workers}: every worker in the pool with its source, health and counters. */
public final class WorkerListing implements Supplier<Reply> {
  private final WorkerPool pool;

  public WorkerListing(WorkerPool pool) {
    this.pool = pool;
  }

  @Override
  public Reply get() {
    ArrayNode workers = JsonNodeFactory.instance.arrayNode();
    for (WorkerStatus status : pool.statuses()) {
      ObjectNode worker = workers.addObject();
      worker.put("url", status.url());
      worker.put("source", status.source());
      worker.put("state", status.state().label());
      worker.put("consecutive_failures", status.consecutiveFailures());
      worker.put("calls", status.calls());
      worker.put("inflight_blocks", status.inflight());
      if (status.lastSeen() == null) {
        worker.putNull("last_seen");
      } else {
        worker.put("last_seen", status.lastSeen().toString());
      }
      // Measured by the local/distributed adaptation once it lands; unknown until then.
      worker.putNull("gflops");
      worker.putNull("bandwidth_mbps");
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.set("workers", workers);
    return Reply.json(200, body.toString());
  }
}
