package dev.wasmgrid.modules.worker;

import dev.wasmgrid.http.RelayedHeaders;
import java.util.Optional;

/**
 * What a stateful module's call answer says of its state, in the {@value #HEADER} header: the state
 * epoch it ran under (the id of its recycling proxy's log, new whenever the state starts afresh)
 * and whether it was a state-building call that succeeded. Whoever built state and then sees
 * another epoch knows that state is gone: a coordinator answers {@code state_lost} then.
 *
 * @param epoch the state epoch, 16 hex digits
 * @param built whether the call built state (a state export, answered 200)
 */
public record StateStamp(String epoch, boolean built) {

  /** The header's name. */
  public static final String HEADER = RelayedHeaders.STATE;

  private static final String BUILT = ";built";

  /** The header's value: the epoch, then {@code ;built} for a state-building call. */
  public String value() {
    return built ? epoch + BUILT : epoch;
  }

  /** The stamp a header value carries; empty for a blank one. */
  public static Optional<StateStamp> parse(String value) {
    String text = value.strip();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    boolean built = text.endsWith(BUILT);
    return Optional.of(
        new StateStamp(built ? text.substring(0, text.length() - BUILT.length()) : text, built));
  }
}
