package dev.wasmgrid.grid;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.http.Reply;
import java.util.function.Supplier;

/**
 * {@code GET /v1/workers}: every worker in the pool with its source, health, counters and measured
 * speeds.
 */
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
      putMeasured(worker, "gflops", status.speed().gflops());
      putMeasured(worker, "bandwidth_mbps", status.speed().bytesPerSecond() / 1e6);
      putMeasured(worker, "latency_ms", status.speed().latencySeconds() * 1e3);
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.set("workers", workers);
    return Reply.json(200, body.toString());
  }

  /** Two decimals, or null while not measured. */
  private static void putMeasured(ObjectNode worker, String name, double value) {
    if (Double.isNaN(value)) {
      worker.putNull(name);
    } else {
      worker.put(name, Math.round(value * 100) / 100.0);
    }
  }
}
