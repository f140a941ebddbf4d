package dev.wasmgrid.bench;

import dev.wasmgrid.bench.MatmulBench.Cell;
import dev.wasmgrid.bench.MatmulBench.Ratio;
import dev.wasmgrid.bench.MatmulBench.Timing;
import java.io.PrintStream;
import java.util.Locale;

/** {@link MatmulBench.Output} as an aligned table, one row per line so it streams. */
final class MatmulTable implements MatmulBench.Output {

  private static final String ROW = "%6s  %-5s  %7s  %-16s  %9s  %10s  %5s%n";

  private final PrintStream out;
  private final PrintStream progress;
  private boolean headerPrinted;

  MatmulTable(PrintStream out, PrintStream progress) {
    this.out = out;
    this.progress = progress;
  }

  @Override
  public void measured(Cell cell, String impl, Timing timing) {
    row(
        cell,
        impl,
        fmt("%.1f", timing.gflops()),
        fmt("%.3f", timing.medianSeconds() * 1e3),
        String.valueOf(timing.runs()));
  }

  @Override
  public void ratio(Cell cell, Ratio ratio, double value) {
    row(cell, ratio.numerator() + " / " + ratio.denominator(), fmt("%.2fx", value), "", "");
  }

  @Override
  public void error(Cell cell, String impl, String message) {
    row(cell, impl, "ERROR", "", "");
    out.println("        " + impl + ": " + message);
  }

  @Override
  public void progress(String message) {
    progress.println(message);
  }

  private void row(Cell cell, String what, String gflops, String millis, String runs) {
    if (!headerPrinted) {
      out.printf(Locale.ROOT, ROW, "n", "dtype", "threads", "impl", "GFLOP/s", "median ms", "runs");
      headerPrinted = true;
    }
    out.printf(
        Locale.ROOT,
        ROW,
        cell.n(),
        cell.dtype().wireName(),
        cell.threads(),
        what,
        gflops,
        millis,
        runs);
  }

  private static String fmt(String format, double value) {
    return String.format(Locale.ROOT, format, value);
  }
}
