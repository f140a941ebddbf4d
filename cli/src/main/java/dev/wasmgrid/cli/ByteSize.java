package dev.wasmgrid.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses sizes such as {@code 1048576}, {@code 512KiB}, {@code 64MiB}, {@code 1g}. */
final class ByteSize implements ITypeConverter<Long> {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]?)(i?b)?");

  @Override
  public Long convert(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new TypeConversionException(
          "'" + text + "' is not a size; use bytes or a unit: 512KiB, 64MiB, 1GiB");
    }
    int shift =
        switch (m.group(2)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          default -> 0;
        };
    long value = Long.parseLong(m.group(1));
    if (value <= 0 || Long.numberOfLeadingZeros(value) <= shift) {
      throw new TypeConversionException("size '" + text + "' must be positive and below 8 EiB");
    }
    return value << shift;
  }
}
