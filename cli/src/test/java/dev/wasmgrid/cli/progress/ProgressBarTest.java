package dev.wasmgrid.cli.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  private final StringWriter screen = new StringWriter();
  private final long[] now = {0};

  private ProgressBar bar(int width) {
    return new ProgressBar(new PrintWriter(screen), "sim", width, () -> now[0]);
  }

  /** What was drawn, one entry per carriage return. */
  private List<String> draws() {
    return Arrays.stream(screen.toString().split("\r", -1)).skip(1).toList();
  }

  @Test
  void redrawsOneLineInPlaceAndEndsIt() {
    ProgressBar bar = bar(80);
    bar.update(0, 4, "ticks");
    now[0] += ProgressBar.REDRAW_NANOS;
    bar.update(2, 4, "ticks");
    now[0] += ProgressBar.REDRAW_NANOS;
    bar.update(4, 4, "ticks");
    bar.finish("ticks, 1.0 s");

    assertThat(screen.toString()).startsWith("\r").endsWith("\n").containsOnlyOnce("\n");
    assertThat(draws())
        .containsExactly(
            "sim [                        ] 0/4 ticks",
            "sim [############            ] 2/4 ticks",
            "sim [########################] 4/4 ticks",
            "sim [########################] 4/4 ticks, 1.0 s\n");
  }

  @Test
  void countsCloserThanTheRedrawIntervalAreSkippedButTheLastIsDrawn() {
    ProgressBar bar = bar(80);
    for (int tick = 1; tick <= 1000; tick++) {
      bar.update(tick, 1000, "");
    }
    assertThat(draws())
        .containsExactly(
            "sim [                        ] 1/1000", "sim [########################] 1000/1000");
  }

  @Test
  void neverReachesTheLastColumnAndClearsWhatALongerLineLeft() {
    ProgressBar bar = bar(40);
    bar.status("loading a model whose name is far longer than forty columns");
    bar.status("done");
    bar.finish("x");
    for (String draw : draws()) {
      assertThat(draw.strip()).hasSizeLessThan(40);
    }
    // 39 columns were drawn, so the shorter line after it is padded over all of them.
    assertThat(draws().get(1)).isEqualTo("sim done" + " ".repeat(39 - "sim done".length()));
    assertThat(draws().get(2)).endsWith("\n");
  }

  @Test
  void linesAboveTheBarKeepItBelowThem() {
    ProgressBar bar = bar(80);
    bar.status("step 1");
    bar.above("a result row");
    bar.finish("done");
    bar.above("after the end");
    assertThat(screen.toString())
        .isEqualTo(
            "\rsim step 1"
                + "\ra result row\n"
                + "\rsim step 1"
                + "\rsim done  \n"
                + "after the end\n");
  }
}
