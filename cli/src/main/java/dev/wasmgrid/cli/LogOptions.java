package dev.wasmgrid.cli;

import dev.wasmgrid.cli.logging.LogFormat;
import dev.wasmgrid.cli.logging.LogLevels;
import dev.wasmgrid.cli.logging.Logs;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.TypeConversionException;

/** {@code --log-level} and {@code --log-format}, which every command takes (a picocli mixin). */
final class LogOptions {

  @Option(
      names = "--log-level",
      scope = ScopeType.INHERIT,
      split = ",",
      paramLabel = "[LOGGER=]LEVEL",
      converter = LevelSpec.class,
      description =
          "error, warn, info, debug or trace: what is logged on stderr (default: info, and"
              + " io.helidon at warn). LOGGER=LEVEL sets one logger and those under it, e.g."
              + " wasmgrid.access=warn for no access log. Comma-separated or repeated.")
  List<String> levels = new ArrayList<>();

  @Option(
      names = "--log-format",
      scope = ScopeType.INHERIT,
      defaultValue = "text",
      paramLabel = "text|json",
      converter = FormatName.class,
      description =
          "text, or json: one object per line with time, level, logger, message and request_id"
              + " (default: ${DEFAULT-VALUE}).")
  LogFormat format;

  /** Applies the options to the process's logging. */
  void apply() {
    Logs.configure(LogLevels.parse(levels), format);
  }

  /** Checks a level spec as it is parsed, so a bad one is a usage error. */
  static final class LevelSpec implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      try {
        LogLevels.parse(List.of(value));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
      return value;
    }
  }

  /** {@code text} or {@code json}. */
  static final class FormatName implements ITypeConverter<LogFormat> {
    @Override
    public LogFormat convert(String value) {
      try {
        return LogFormat.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
