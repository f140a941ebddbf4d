package dev.wasmgrid.grid.discovery;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * The discovery seam: one source of worker URLs. The coordinator asks each source for its current
 * set and makes the pool's workers from that source match it.
 */
public interface WorkerDiscovery {

  /** What the workers from this source are labelled with: {@code static}, {@code dns}, ... */
  String source();

  /**
   * The base URLs of this source's workers now, normalized by {@link WorkerUrl#parse}.
   *
   * @throws IOException when the source cannot be read now; the pool keeps the last answer
   */
  Set<URI> discover() throws IOException;
}
