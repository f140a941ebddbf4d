package dev.wasmgrid.cli.progress;

import java.io.PrintWriter;
import java.util.function.LongSupplier;

/**
 * One terminal line redrawn in place with a carriage return: {@code label [##### ] 36/60 detail},
 * or {@code label detail} for work without a count. It never reaches the terminal's last column (a
 * line that wraps can no longer be redrawn), and it ends with a line break once finished.
 */
public final class ProgressBar {
  /** Counted updates closer together than this are not drawn: a tick can take microseconds. */
  static final long REDRAW_NANOS = 100_000_000L;

  private static final int MIN_CELLS = 10;
  private static final int MAX_CELLS = 24;

  private final PrintWriter out;
  private final String label;
  private final int width;
  private final LongSupplier clock;
  private String shown = "";
  private boolean drawn;
  private boolean finished;
  private long lastDraw;
  private long done;
  private long total;

  /** A bar on {@code out}, as wide as the terminal, timed by the JVM's clock. */
  public ProgressBar(PrintWriter out, String label) {
    this(out, label, Terminal.columns(), System::nanoTime);
  }

  /**
   * @param width columns of the terminal; lines are cut to one less
   * @param clock nanoseconds, to space redraws
   */
  ProgressBar(PrintWriter out, String label, int width, LongSupplier clock) {
    this.out = out;
    this.label = label;
    this.width = width;
    this.clock = clock;
  }

  /**
   * Shows {@code done} of {@code total}, and {@code detail}; drawn at once the first time and when
   * {@code done} reaches {@code total}, else at most every 100 ms.
   */
  public synchronized void update(long done, long total, String detail) {
    this.done = done;
    this.total = total;
    long now = clock.getAsLong();
    if (!drawn || done >= total || now - lastDraw >= REDRAW_NANOS) {
      draw(render(detail), "");
      lastDraw = now;
    }
  }

  /** Shows {@code detail} with the count last given (none if never), at once: a new step. */
  public synchronized void status(String detail) {
    draw(render(detail), "");
  }

  /** Writes {@code line} on a line of its own above the bar, which is redrawn under it. */
  public synchronized void above(String line) {
    if (finished) {
      out.println(line);
      out.flush();
      return;
    }
    String bar = shown;
    boolean wasDrawn = drawn;
    // Not cut: it is output (a table's row), which the terminal may wrap; only the bar must not.
    out.print("\r" + line + padding(line) + System.lineSeparator());
    shown = "";
    if (wasDrawn) {
      draw(bar, "");
    } else {
      out.flush();
    }
  }

  /** Draws {@code detail} as the last state, with the count last given, and ends the line. */
  public synchronized void finish(String detail) {
    if (!finished) {
      draw(render(detail), System.lineSeparator());
      finished = true;
    }
  }

  private void draw(String line, String end) {
    if (finished) {
      return;
    }
    String cut = line.length() < width ? line : line.substring(0, width - 1);
    out.print("\r" + cut + padding(cut) + end);
    out.flush();
    shown = cut;
    drawn = true;
  }

  /** Spaces over whatever a longer line before left on the screen. */
  private String padding(String line) {
    return " ".repeat(Math.max(0, shown.length() - line.length()));
  }

  private String render(String detail) {
    String tail = detail.isEmpty() ? "" : " " + detail;
    if (total <= 0) {
      return label + tail;
    }
    String count = " " + done + "/" + total;
    // The bar takes what the text leaves of the line, between MIN_CELLS and MAX_CELLS.
    int room = width - 1 - label.length() - " []".length() - count.length() - tail.length();
    int cells = Math.max(MIN_CELLS, Math.min(MAX_CELLS, room));
    int full = (int) Math.min(cells, Math.max(0, done) * cells / total);
    return label + " [" + "#".repeat(full) + " ".repeat(cells - full) + "]" + count + tail;
  }
}
