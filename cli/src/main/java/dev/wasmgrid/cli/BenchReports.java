package dev.wasmgrid.cli;

import dev.wasmgrid.bench.BenchReport;

/** The --json switch of the bench commands. */
final class BenchReports {
  private BenchReports() {}

  static BenchReport of(boolean json) {
    return json
        ? BenchReport.jsonLines(System.out, System.err)
        : BenchReport.table(System.out, System.err);
  }
}
