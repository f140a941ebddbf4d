package dev.wasmgrid.cli;

import java.security.Security;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The {@code wasmgrid} command. */
@Command(
    name = "wasmgrid",
    mixinStandardHelpOptions = true,
    version = "wasmgrid 0.1.0",
    description = "Compute on a grid of HTTP workers, with WebAssembly as the portable format.",
    subcommands = {
      ServeCommand.class,
      WorkerCommand.class,
      MatmulCommand.class,
      GenerateCommand.class,
      SimCommand.class,
      BenchCommand.class,
      TestCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {"", "Docs: README.md and docs/api.md."})
public final class Main {

  @Mixin LogOptions logging;

  private Main() {}

  /** Runs the CLI and exits with its status. */
  public static void main(String[] args) {
    // Helidon logs through java.util.logging; send it to the same place as ours from the start.
    Slf4jLogging.route();
    // The JVM caches DNS answers for 30 s by default; dns: workers are re-resolved every 10 s, so
    // cache for less, unless the operator chose a value. Must happen before the first lookup.
    if (Security.getProperty("networkaddress.cache.ttl") == null) {
      Security.setProperty("networkaddress.cache.ttl", "5");
    }
    Main main = new Main();
    System.exit(
        new CommandLine(main)
            // Once the command line parsed, before any command runs: it logs as asked from its
            // start.
            .setExecutionStrategy(
                parsed -> {
                  main.logging.apply();
                  return new CommandLine.RunLast().execute(parsed);
                })
            .setExecutionExceptionHandler(
                (error, command, parsed) -> {
                  // A failed command is reported in one line; the stack trace helps no user.
                  System.err.println(
                      "wasmgrid " + command.getCommandName() + ": " + describe(error));
                  return 1;
                })
            .execute(args));
  }

  private static String describe(Throwable error) {
    String message = error.getMessage();
    if (error instanceof java.net.ConnectException) {
      return "cannot connect" + (message == null ? "" : " (" + message + ")");
    }
    return message == null ? error.getClass().getSimpleName() : message;
  }
}
