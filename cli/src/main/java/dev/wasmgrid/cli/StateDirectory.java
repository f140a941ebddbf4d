package dev.wasmgrid.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;

/** A directory option for state kept across restarts: created, checked writable, or 'none'. */
final class StateDirectory {
  private StateDirectory() {}

  /**
   * The directory {@code value} names, created and checked writable; empty for {@code none} or an
   * empty value (memory only).
   *
   * @throws CommandLine.ParameterException naming {@code option} when it cannot be used
   */
  static Optional<Path> resolve(CommandLine commandLine, String option, String value) {
    if (value == null || value.isBlank() || value.equals("none")) {
      return Optional.empty();
    }
    Path dir;
    try {
      dir = Path.of(value).toAbsolutePath();
      Files.createDirectories(dir);
    } catch (IOException | InvalidPathException e) {
      throw new CommandLine.ParameterException(
          commandLine, option + ": cannot create " + value + ": " + e, e);
    }
    if (!Files.isWritable(dir)) {
      throw new CommandLine.ParameterException(
          commandLine, option + ": " + dir + " is not writable");
    }
    return Optional.of(dir);
  }
}
