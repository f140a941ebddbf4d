package dev.wasmgrid.matmul.rpc;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One decoded call of the seed protocol.
 *
 * @param method the value of the {@code method} meta entry
 * @param stringContent whether {@code content} came as a JSON string (the seed's form), so the
 *     answer uses the same form
 * @param content the content object, already parsed
 */
public record RpcCall(String method, boolean stringContent, JsonNode content) {}
