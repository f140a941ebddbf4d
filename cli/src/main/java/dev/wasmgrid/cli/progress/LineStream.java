package dev.wasmgrid.cli.progress;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A stream that hands each line written to it, without its line break, to a consumer: how code that
 * prints lines (a benchmark's rows and notes) is drawn above or into a {@link ProgressBar}.
 */
public final class LineStream extends OutputStream {
  private final Consumer<String> lines;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  private LineStream(Consumer<String> lines) {
    this.lines = lines;
  }

  /** A UTF-8 print stream whose every line goes to {@code lines}. */
  public static PrintStream of(Consumer<String> lines) {
    return new PrintStream(new LineStream(lines), true, StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void write(int b) {
    if (b == '\n') {
      String line = pending.toString(StandardCharsets.UTF_8);
      pending.reset();
      lines.accept(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
    } else {
      pending.write(b);
    }
  }
}
