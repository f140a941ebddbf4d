package dev.wasmgrid.cli;

import dev.wasmgrid.http.Drainable;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/** What every server command does once started: say where it listens, then run until stopped. */
final class Serving {
  private Serving() {}

  /** Prints the listening line on stdout; scripts and tests read the port from it. */
  static void announce(String role, String host, int port, String detail) {
    System.out.println(
        "wasmgrid " + role + " listening on http://" + host + ":" + port + " (" + detail + ")");
    System.out.flush();
  }

  /**
   * Blocks until the JVM is asked to stop (SIGTERM, SIGINT), then drains the node for up to {@code
   * grace}, closes it and ends the process with status 0: a stop asked for and carried out is a
   * success, not the 143 the JVM reports for a signal.
   */
  static void awaitShutdown(Drainable node, Duration grace) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  int status = 0;
                  try {
                    System.err.println(
                        "wasmgrid: stopping; finishing the work in progress (up to "
                            + grace
                            + ", --drain-timeout)");
                    node.drain(grace);
                    node.close();
                  } catch (Exception e) {
                    System.err.println("wasmgrid: error while stopping: " + e);
                    status = 1;
                  } finally {
                    stopped.countDown();
                  }
                  System.out.flush();
                  System.err.flush();
                  // Every hook of ours has run: nothing is left for the JVM to do but exit.
                  Runtime.getRuntime().halt(status);
                }));
    stopped.await();
  }
}
