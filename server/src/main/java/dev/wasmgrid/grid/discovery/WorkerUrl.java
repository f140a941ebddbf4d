package dev.wasmgrid.grid.discovery;

import java.net.URI;
import java.net.URISyntaxException;

/** Worker base URLs in one normal form, so that the same worker is always the same pool entry. */
public final class WorkerUrl {
  private WorkerUrl() {}

  /**
   * Parses and normalizes a worker base URL: {@code http} or {@code https}, a host, an optional
   * port, no path (a lone {@code /} is dropped), no query, fragment or user info.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static URI parse(String text) {
    if (!text.contains("://")) {
      // Checked first: "host:port" parses as a URI with scheme "host" and says nothing useful.
      throw new IllegalArgumentException("'" + text + "' is not an http:// or https:// URL");
    }
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not a URL: " + e.getReason(), e);
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
      throw new IllegalArgumentException("'" + text + "' is not an http:// or https:// URL");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("'" + text + "' has no host");
    }
    String path = uri.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/"))
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "'" + text + "' must be a base URL like http://10.0.0.5:8081, without path or query");
    }
    return URI.create(scheme + "://" + uri.getRawAuthority());
  }
}
