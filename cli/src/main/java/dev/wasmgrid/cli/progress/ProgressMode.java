package dev.wasmgrid.cli.progress;

/** How a command shows the progress of long work ({@code --progress}). */
public enum ProgressMode {
  /** {@link #BAR} when stdout is a terminal, {@link #PLAIN} when it is not. */
  AUTO,
  /** One line redrawn in place: a bar, counts and what is being done. */
  BAR,
  /** Lines as the command printed them before bars existed: what scripts parse. */
  PLAIN,
  /** Nothing. */
  NONE;

  /** {@code auto}, {@code bar}, {@code plain} or {@code none}. */
  public static ProgressMode parse(String name) {
    return switch (name) {
      case "auto" -> AUTO;
      case "bar" -> BAR;
      case "plain" -> PLAIN;
      case "none" -> NONE;
      default ->
          throw new IllegalArgumentException(
              "'" + name + "' is not a progress mode: auto, bar, plain or none");
    };
  }

  /** This mode, {@link #AUTO} decided by where stdout goes. */
  public ProgressMode resolve() {
    return this != AUTO ? this : Terminal.stdoutIsTerminal() ? BAR : PLAIN;
  }
}
