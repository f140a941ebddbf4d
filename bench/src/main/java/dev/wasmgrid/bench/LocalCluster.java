package dev.wasmgrid.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * wasmgrid nodes as separate processes on loopback, for benchmarks and tests: each is started with
 * a launcher command (java, its flags, class path and main class) plus the node's arguments, and
 * its port is read from the line it announces. Closing stops them all.
 */
public final class LocalCluster implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");

  private final List<String> launcher;
  private final List<Node> nodes = new ArrayList<>();

  /** A started node. */
  public record Node(Process process, int port) {
    /** Its base URL on loopback. */
    public String url() {
      return "http://127.0.0.1:" + port;
    }
  }

  /** A cluster whose nodes run {@code launcher} followed by their arguments. */
  public LocalCluster(List<String> launcher) {
    this.launcher = List.copyOf(launcher);
  }

  /**
   * The launcher for this JVM's own class path, JVM options (heap, huge pages, ...; agents left
   * out, since two processes cannot share a debugger port) and the given main class.
   */
  public static List<String> sameJvm(String mainClass) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--add-modules=jdk.incubator.vector");
    command.add("--enable-native-access=ALL-UNNAMED");
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(arg -> !arg.startsWith("-agent") && !arg.startsWith("-javaagent"))
        .filter(arg -> !arg.startsWith("-Xrunjdwp") && !arg.startsWith("-XX:StartFlightRecording"))
        .forEach(command::add);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    return List.copyOf(command);
  }

  /**
   * Starts a node, e.g. {@code start("worker", "--port", "0")}, and waits up to a minute for it to
   * listen. Its log goes to this process's stderr, without its access log ({@code --log-level
   * wasmgrid.access=warn}).
   *
   * @throws IOException if it cannot start or exits before listening
   */
  public Node start(String... args) throws IOException, InterruptedException {
    return start(Map.of(), args);
  }

  /**
   * As {@link #start(String...)}, with {@code environment} added to this process's.
   *
   * @throws IOException if it cannot start or exits before listening
   */
  public Node start(Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    // Their logs share this process's terminal: a line per request would bury its output.
    List<String> quiet = new ArrayList<>(List.of(args));
    quiet.addAll(List.of("--log-level", "wasmgrid.access=warn"));
    return start(
        new ArrayList<>(launcher),
        environment,
        ProcessBuilder.Redirect.INHERIT,
        quiet.toArray(String[]::new));
  }

  /**
   * As {@link #start(Map, String...)}, with the node's log (its access log included) written to
   * {@code log}.
   *
   * @throws IOException if it cannot start or exits before listening
   */
  public Node start(Map<String, String> environment, Path log, String... args)
      throws IOException, InterruptedException {
    return start(
        new ArrayList<>(launcher), environment, ProcessBuilder.Redirect.to(log.toFile()), args);
  }

  private Node start(
      List<String> command,
      Map<String, String> environment,
      ProcessBuilder.Redirect errors,
      String... args)
      throws IOException, InterruptedException {
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(errors);
    builder.environment().putAll(environment);
    Process process = builder.start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Integer> port = new CompletableFuture<>();
    // A platform thread: a virtual one blocked reading a pipe holds its carrier, and with a carrier
    // per core, three such readers starved this JVM's own virtual threads (Helidon's client parks
    // on one), hanging a benchmark mid-request.
    Thread.ofPlatform()
        .daemon()
        .name("wasmgrid-" + args[0] + "-output")
        .start(
            () -> {
              try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  Matcher m = LISTENING.matcher(line);
                  // Keep draining after the port, so a node printing more never blocks on a pipe.
                  if (!port.isDone() && m.find()) {
                    port.complete(Integer.parseInt(m.group(1)));
                  }
                }
                port.completeExceptionally(
                    new IllegalStateException(args[0] + " exited before listening"));
              } catch (IOException | RuntimeException e) {
                port.completeExceptionally(e);
              }
            });
    try {
      Node node = new Node(process, port.get(60, TimeUnit.SECONDS));
      nodes.add(node);
      return node;
    } catch (ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      throw new IOException("wasmgrid " + String.join(" ", args) + " did not start: " + e, e);
    }
  }

  /**
   * CPU time used so far by every node started, plus this JVM: what a product cost in all, since on
   * shared cores the time one process spends copying is time another cannot compute.
   */
  public Duration cpuTime() {
    Duration total = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
    for (Node node : nodes) {
      total = total.plus(node.process().info().totalCpuDuration().orElse(Duration.ZERO));
    }
    return total;
  }

  /** Stops every node: a graceful stop first, then a forced one after 20 s. */
  @Override
  public void close() {
    for (Node node : nodes) {
      node.process().destroy();
    }
    for (Node node : nodes) {
      try {
        if (!node.process().waitFor(20, TimeUnit.SECONDS)) {
          node.process().destroyForcibly();
        }
      } catch (InterruptedException e) {
        node.process().destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
