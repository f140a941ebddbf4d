package dev.wasmgrid.cli;

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

  /** Blocks until the JVM is asked to stop, then closes the server. */
  static void awaitShutdown(AutoCloseable server) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.close();
                  } catch (Exception e) {
                    System.err.println("wasmgrid: error while stopping: " + e);
                  } finally {
                    stopped.countDown();
                  }
                }));
    stopped.await();
  }
}
