package dev.wasmgrid.cli.progress;

import java.io.Console;

/** What the JVM can tell about the terminal, if any, it writes to. */
public final class Terminal {
  /** Width assumed when the environment does not say. */
  static final int DEFAULT_COLUMNS = 80;

  private Terminal() {}

  /**
   * Whether stdin and stdout are a terminal (not a pipe or file), and one that can redraw a line.
   * On JDK 21, {@link System#console()} is null unless they are; from JDK 22 it may exist either
   * way and {@code Console.isTerminal()} tells, which the build's {@code --release 21} cannot name,
   * so it is looked up.
   */
  // Error Prone's own form for this check (errorprone.info/bugpattern/SystemConsoleNull): the null
  // test is only made where it is reliable, before JDK 22.
  @SuppressWarnings("SystemConsoleNull")
  public static boolean stdoutIsTerminal() {
    if ("dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    Console console = System.console();
    if (Runtime.version().feature() < 22) {
      return console != null;
    }
    if (console == null) {
      return false; // JDK 25's default console, java.base's own again, is null without a terminal
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      throw new LinkageError(e.getMessage(), e);
    }
  }

  /** The terminal's width: {@code COLUMNS} when the shell exports it, else 80. */
  public static int columns() {
    String columns = System.getenv("COLUMNS");
    if (columns != null && columns.matches("[0-9]{1,4}")) {
      int n = Integer.parseInt(columns);
      if (n >= 20) {
        return n;
      }
    }
    return DEFAULT_COLUMNS;
  }
}
