package dev.wasmgrid.cli;

import dev.wasmgrid.cli.progress.ProgressMode;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --progress}, on the commands that do long work (a picocli mixin). */
final class ProgressOptions {

  @Option(
      names = "--progress",
      defaultValue = "auto",
      paramLabel = "auto|bar|plain|none",
      converter = ModeName.class,
      description =
          "How long work shows its progress: bar (one line redrawn in place), plain (lines, as"
              + " scripts read them), none, or auto: bar when stdout is a terminal, else plain"
              + " (default: ${DEFAULT-VALUE}).")
  ProgressMode mode = ProgressMode.AUTO;

  /** The mode, auto decided by where stdout goes. */
  ProgressMode mode() {
    return mode.resolve();
  }

  /** {@code auto}, {@code bar}, {@code plain} or {@code none}. */
  static final class ModeName implements ITypeConverter<ProgressMode> {
    @Override
    public ProgressMode convert(String value) {
      try {
        return ProgressMode.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
