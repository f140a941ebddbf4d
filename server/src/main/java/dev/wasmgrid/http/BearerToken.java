package dev.wasmgrid.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Optional;

/**
 * The token a node expects in {@code Authorization: Bearer <token>}. The scheme name is matched
 * without regard to case (RFC 7235 §2.1: {@code bearer} and {@code BEARER} are {@code Bearer}); the
 * token itself is compared exactly, in constant time, so that response timing does not reveal how
 * much of a guess matched.
 */
final class BearerToken {
  private static final String SCHEME = "bearer";

  private final byte[] expected;

  BearerToken(String token) {
    this.expected = token.getBytes(StandardCharsets.UTF_8);
  }

  /** Whether an {@code Authorization} header value carries this token. */
  boolean matchesHeader(String authorization) {
    return credentials(authorization).map(this::matches).orElse(false);
  }

  /** Whether {@code given} is this token. */
  boolean matches(String given) {
    return MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8));
  }

  /** The credentials of a Bearer header value, or empty for another scheme. */
  static Optional<String> credentials(String authorization) {
    int space = authorization.indexOf(' ');
    if (space < 0 || !authorization.substring(0, space).toLowerCase(Locale.ROOT).equals(SCHEME)) {
      return Optional.empty();
    }
    // RFC 7235 allows one or more spaces between the scheme and the credentials.
    return Optional.of(authorization.substring(space).stripLeading());
  }
}
