package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminalTextTest {

  @Test
  void controlCharactersBecomeVisibleAndTextStaysAsItIs() {
    assertThat(TerminalText.visible("\u001b[2J\u0007ding\r")).isEqualTo("\\x1b[2J\\x07ding\\x0d");
    assertThat(TerminalText.visible("DEL \u007f, C1 \u009b, NUL \u0000"))
        .isEqualTo("DEL \\x7f, C1 \\x9b, NUL \\x00");
    assertThat(TerminalText.visible("lines\n\ttabbed, é, 日本, \uFFFD"))
        .isEqualTo("lines\n\ttabbed, é, 日本, \uFFFD");
  }
}
