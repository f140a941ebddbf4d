package dev.wasmgrid.bench.chaos;

/** What one call of the chaos run came to. */
public enum Verdict {
  /** Answered, and the answer is right. */
  OK,
  /** Refused with a documented error (a status and an error code), in time: honest. */
  REFUSED,
  /** Failed without a documented error: a closed connection, a 500, a sim that failed. */
  LOST,
  /** Answered 200 with a wrong answer. */
  WRONG,
  /** No answer within the bound a client would wait. */
  HUNG;

  /** Its name in reports: {@code ok}, {@code refused}, ... */
  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
