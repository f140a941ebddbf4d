package dev.wasmgrid.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Listed for discoverability: the suite is built and run by the launcher, not by the JVM. */
@Command(name = "test", description = "Build and run the whole test suite (via the launcher).")
final class TestCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    System.err.println("wasmgrid: run './wasmgrid test' from the repository root to test.");
    return 2;
  }
}
