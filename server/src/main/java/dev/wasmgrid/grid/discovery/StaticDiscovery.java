package dev.wasmgrid.grid.discovery;

import java.net.URI;
import java.util.Collection;
import java.util.Set;

/** Workers named on the command line as {@code http://host:port}: the set never changes. */
public record StaticDiscovery(Set<URI> urls) implements WorkerDiscovery {

  public StaticDiscovery(Collection<URI> urls) {
    this(Set.copyOf(urls));
  }

  @Override
  public String source() {
    return "static";
  }

  @Override
  public Set<URI> discover() {
    return urls;
  }
}
