package dev.wasmgrid.http;

import java.util.Optional;

/**
 * Where and how a node serves.
 *
 * @param host address to listen on
 * @param port port to listen on; 0 picks a free one
 * @param limits request limits
 * @param token shared secret every route but the health probes, the API's description and the web
 *     app requires as {@code Authorization: Bearer <token>}, and that a coordinator sends to its
 *     workers; empty for none
 * @param cors which web origins may call this node from a browser
 */
public record ServerSettings(
    String host, int port, Limits limits, Optional<String> token, CorsPolicy cors) {

  /** Settings that let any origin call (see {@link CorsPolicy}). */
  public ServerSettings(String host, int port, Limits limits, Optional<String> token) {
    this(host, port, limits, token, CorsPolicy.ANY);
  }

  /** Settings without a token. */
  public static ServerSettings open(String host, int port, Limits limits) {
    return new ServerSettings(host, port, limits, Optional.empty());
  }
}
