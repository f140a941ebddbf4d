package dev.wasmgrid.grid.discovery;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Workers behind a DNS name ({@code dns:NAME:PORT}): one worker per A/AAAA record, re-resolved on
 * every call. A Kubernetes headless Service answers with the address of every ready pod, so the
 * pool follows the Deployment as it scales and rolls.
 */
public final class DnsDiscovery implements WorkerDiscovery {

  /** Name resolution, replaceable in tests. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String name) throws UnknownHostException;
  }

  private final String name;
  private final int port;
  private final Resolver resolver;

  /** Resolves {@code name} with the JVM's resolver ({@link InetAddress#getAllByName}). */
  public DnsDiscovery(String name, int port) {
    this(name, port, InetAddress::getAllByName);
  }

  public DnsDiscovery(String name, int port, Resolver resolver) {
    if (name.isBlank() || port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "dns:NAME:PORT needs a name and a port in 1..65535, not dns:" + name + ":" + port);
    }
    this.name = name;
    this.port = port;
    this.resolver = resolver;
  }

  @Override
  public String source() {
    return "dns";
  }

  @Override
  public Set<URI> discover() throws UnknownHostException {
    Set<URI> urls = new LinkedHashSet<>();
    for (InetAddress address : resolver.resolve(name)) {
      urls.add(url(address));
    }
    return urls;
  }

  private URI url(InetAddress address) {
    String host = address.getHostAddress();
    if (address instanceof Inet6Address) {
      // A scope id (fe80::1%eth0) is local to this host and not valid in a URL.
      int scope = host.indexOf('%');
      host = scope < 0 ? host : host.substring(0, scope);
    }
    try {
      // This constructor brackets IPv6 literals.
      return new URI("http", null, host, port, null, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("resolved address " + host + " makes no URL", e);
    }
  }

  @Override
  public String toString() {
    return "dns:" + name + ":" + port;
  }
}
