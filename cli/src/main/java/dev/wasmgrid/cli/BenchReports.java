package dev.wasmgrid.cli;

import dev.wasmgrid.bench.BenchReport;
import picocli.CommandLine.Option;

/** The --json switch every bench command shares (a picocli mixin). */
final class BenchReports {

  @Option(names = "--json", description = "One JSON object per line instead of a table.")
  boolean json;

  /** Where a scenario reports: JSON lines or a table on stdout, progress on stderr. */
  BenchReport report() {
    return json
        ? BenchReport.jsonLines(System.out, System.err)
        : BenchReport.table(System.out, System.err);
  }
}
