package dev.wasmgrid.http;

/**
 * One method on one path pattern that a server answers: what its OpenAPI description lists.
 *
 * @param method the HTTP method, upper case, or {@code WS} for a WebSocket upgrade (a {@code GET})
 * @param pattern an exact path, a pattern with {@code {name}} segments, or a prefix ending in
 *     {@code /*}
 * @param open whether it is served without the token
 */
public record DeclaredRoute(String method, String pattern, boolean open) {}
