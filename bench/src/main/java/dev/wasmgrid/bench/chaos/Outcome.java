package dev.wasmgrid.bench.chaos;

/** One call's verdict and, when it is not {@code OK}, what happened. */
record Outcome(Verdict verdict, String story) {
  static Outcome ok() {
    return new Outcome(Verdict.OK, "");
  }

  static Outcome of(Verdict verdict, String story) {
    return new Outcome(verdict, story);
  }
}
