package dev.wasmgrid.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class LogLevelsTest {

  @Test
  void theLongestNamedPrefixWinsOnDotBoundaries() {
    LogLevels levels =
        LogLevels.parse(List.of("warn", "wasmgrid=debug", "wasmgrid.access=error", "DEBUG"));
    assertThat(levels.of("dev.wasmgrid.worker.WorkerNode")).isEqualTo(Level.DEBUG);
    assertThat(levels.of("wasmgrid.access")).isEqualTo(Level.ERROR);
    assertThat(levels.of("wasmgrid.access.more")).isEqualTo(Level.ERROR);
    assertThat(levels.of("wasmgrid.other")).isEqualTo(Level.DEBUG);
    assertThat(levels.of("wasmgridx")).isEqualTo(Level.DEBUG);
    assertThat(levels.of("io.helidon.webserver.ServerListener")).isEqualTo(Level.WARN);
  }

  @Test
  void helidonStaysAtWarnUnlessNamed() {
    assertThat(LogLevels.parse(List.of("trace")).of("io.helidon.x")).isEqualTo(Level.WARN);
    assertThat(LogLevels.parse(List.of("io.helidon=info")).of("io.helidon.x"))
        .isEqualTo(Level.INFO);
  }

  @Test
  void badSpecsAreNamed() {
    assertThatThrownBy(() -> LogLevels.parse(List.of("loud")))
        .hasMessage("'loud' is not a log level: error, warn, info, debug or trace");
    assertThatThrownBy(() -> LogLevels.parse(List.of("=info")))
        .hasMessage("'=info' names no logger before '='");
    assertThatThrownBy(() -> LogLevels.parse(List.of("a.b=")))
        .hasMessageContaining("'' is not a log level");
  }
}
