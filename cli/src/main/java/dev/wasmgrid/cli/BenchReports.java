package dev.wasmgrid.cli;

import dev.wasmgrid.bench.BenchReport;
import dev.wasmgrid.cli.progress.LineStream;
import dev.wasmgrid.cli.progress.ProgressBar;
import dev.wasmgrid.cli.progress.ProgressMode;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The --json and --progress options every bench command shares (a picocli mixin), and where its
 * output goes: results on stdout; progress notes on stderr (plain), or as a status line on stdout
 * under the results (bar), or nowhere (none).
 */
final class BenchReports {

  @Option(names = "--json", description = "One JSON object per line instead of a table.")
  boolean json;

  @Mixin ProgressOptions progress;

  private PrintStream out;
  private PrintStream notes;
  private ProgressBar bar;
  private long start;

  /** Where results go. */
  PrintStream out() {
    open();
    return out;
  }

  /** Where progress notes go. */
  PrintStream notes() {
    open();
    return notes;
  }

  /** A report writing results and notes to {@link #out()} and {@link #notes()}. */
  BenchReport report() {
    return json ? BenchReport.jsonLines(out(), notes()) : BenchReport.table(out(), notes());
  }

  /** Ends the status line, if there is one: to call once the benchmark is done. */
  void finish() {
    if (bar != null) {
      bar.finish(String.format(Locale.ROOT, "done in %.1f s", (System.nanoTime() - start) / 1e9));
    }
  }

  private void open() {
    if (out != null) {
      return;
    }
    start = System.nanoTime();
    ProgressMode mode = progress.mode();
    if (mode == ProgressMode.BAR) {
      bar = new ProgressBar(new PrintWriter(System.out, true, System.out.charset()), "bench");
      out = LineStream.of(bar::above);
      notes = LineStream.of(bar::status);
    } else {
      out = System.out;
      notes =
          mode == ProgressMode.PLAIN
              ? System.err
              : new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    }
  }
}
