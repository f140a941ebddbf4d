package dev.wasmgrid.grid.discovery;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a coordinator's workers come from, as given by {@code --workers}: static URLs, DNS names
 * that are re-resolved, and whether workers may join by themselves. With none of these the
 * coordinator computes on its in-process worker.
 *
 * @param polled sources the coordinator reads periodically (static and DNS)
 * @param acceptJoins whether {@code POST /v1/workers/join} registers workers
 */
public record WorkerSources(List<WorkerDiscovery> polled, boolean acceptJoins) {

  /** The entry that turns joins on. */
  public static final String JOIN = "join";

  public WorkerSources {
    polled = List.copyOf(polled);
  }

  /**
   * Parses {@code --workers} entries: {@code http://host:port} (static), {@code dns:NAME:PORT}
   * (every address of NAME) or {@code join} (workers register themselves).
   *
   * @throws IllegalArgumentException naming the entry that is wrong
   */
  public static WorkerSources parse(List<String> entries) {
    Set<URI> urls = new LinkedHashSet<>();
    List<WorkerDiscovery> polled = new ArrayList<>();
    boolean joins = false;
    for (String entry : entries) {
      String text = entry.strip();
      if (text.equals(JOIN)) {
        joins = true;
      } else if (text.startsWith("dns:")) {
        polled.add(dns(text));
      } else {
        urls.add(WorkerUrl.parse(text));
      }
    }
    if (!urls.isEmpty()) {
      polled.addFirst(new StaticDiscovery(urls));
    }
    return new WorkerSources(polled, joins);
  }

  /** Whether no worker source was given, so the coordinator runs its own in-process worker. */
  public boolean inProcess() {
    return polled.isEmpty() && !acceptJoins;
  }

  private static DnsDiscovery dns(String text) {
    String rest = text.substring("dns:".length());
    int colon = rest.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("'" + text + "' must be dns:NAME:PORT");
    }
    int port;
    try {
      port = Integer.parseInt(rest.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' must end in a port number", e);
    }
    return new DnsDiscovery(rest.substring(0, colon), port);
  }
}
