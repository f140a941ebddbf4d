package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every help text is made of whole sentences: a command list shows each command's first description
 * line alone, so that line must be a sentence of its own, and no description or option may stop
 * mid-sentence.
 */
class HelpTextTest {

  @Test
  void everyCommandAndOptionIsDescribedInWholeSentences() {
    check(new CommandLine(Main.class).getCommandSpec());
  }

  /** A description line as printed: picocli's {@code %n} is a line break. */
  private static String printed(String line) {
    return line.replace("%n", "").strip();
  }

  private static void check(CommandSpec command) {
    String name = command.qualifiedName();
    String[] header = command.usageMessage().header();
    String[] description = command.usageMessage().description();
    String summary = header.length > 0 ? header[0] : description[0];
    assertThat(printed(summary)).as(name + ": the line the command list shows").endsWith(".");
    assertThat(printed(description[description.length - 1]))
        .as(name + ": its description")
        .endsWith(".");
    for (OptionSpec option : command.options()) {
      String[] text = option.description();
      assertThat(text).as(name + " " + option.longestName()).isNotEmpty();
      assertThat(printed(text[text.length - 1]))
          .as(name + " " + option.longestName())
          .endsWith(".");
    }
    command.subcommands().values().forEach(sub -> check(sub.getCommandSpec()));
  }
}
