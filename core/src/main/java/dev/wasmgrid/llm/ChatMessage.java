package dev.wasmgrid.llm;

import java.util.Objects;

/**
 * One turn of a conversation.
 *
 * @param role {@code system}, {@code user} or {@code assistant}
 */
public record ChatMessage(String role, String content) {
  public ChatMessage {
    Objects.requireNonNull(content, "content");
    if (!role.equals("system") && !role.equals("user") && !role.equals("assistant")) {
      throw new IllegalArgumentException(
          "role must be system, user or assistant, got '" + role + "'");
    }
  }
}
