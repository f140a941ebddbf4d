package dev.wasmgrid.cli.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Hosts on a real (virtual) network for the network tests: each host is a network namespace joined
 * to the root namespace by a veth pair with a /30 of its own, made with iproute2. Links can be
 * rate-limited with {@code tbf} on both ends and cut by taking the host's end down. Names carry a
 * random suffix, so runs on one machine never share a namespace, and {@link #close} deletes every
 * namespace this lab made (which deletes its veth pair too). Needs root.
 */
final class NetworkLab implements AutoCloseable {
  private static final long COMMAND_SECONDS = 15;

  /**
   * A host: {@code address} is its end of the link, inside {@code namespace}; the root namespace
   * reaches it through {@code outside}.
   */
  record Host(String namespace, String outside, String inside, String address) {}

  private final String suffix;
  // The third and second octets of 10.x.y.0/24, drawn so that two runs at once rarely collide.
  private final int second;
  private final int third;
  private final List<Host> hosts = new ArrayList<>();
  private final Set<Host> limited = new HashSet<>();

  private NetworkLab(SecureRandom random) {
    suffix = HexFormat.of().toHexDigits(random.nextInt() & 0xffffff, 6);
    second = 100 + random.nextInt(150);
    third = random.nextInt(256);
  }

  /** Why the lab cannot run here (not root, no {@code ip} or {@code tc}), or empty when it can. */
  static Optional<String> unavailable() {
    try {
      String uid = run(List.of("id", "-u")).strip();
      if (!uid.equals("0")) {
        return Optional.of("need root to create network namespaces (uid " + uid + ")");
      }
      run(List.of("ip", "-V"));
      run(List.of("tc", "-V"));
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("need iproute2's ip and tc as root: " + e.getMessage());
    }
  }

  /** An empty lab; add hosts with {@link #addHost}. */
  static NetworkLab create() {
    return new NetworkLab(new SecureRandom());
  }

  /** Makes another host, its link up, unshaped. */
  Host addHost() throws IOException {
    int index = hosts.size();
    String name = "wg" + suffix + index;
    Host host = new Host(name, name + "o", name + "i", address(index, 2));
    run(List.of("ip", "netns", "add", host.namespace()));
    // Registered before the rest, so that close() removes a half-made host too.
    hosts.add(host);
    run(
        List.of(
            "ip",
            "link",
            "add",
            host.outside(),
            "type",
            "veth",
            "peer",
            "name",
            host.inside(),
            "netns",
            host.namespace()));
    run(List.of("ip", "addr", "add", address(index, 1) + "/30", "dev", host.outside()));
    run(List.of("ip", "link", "set", host.outside(), "up"));
    run(inside(host, "ip", "addr", "add", host.address() + "/30", "dev", host.inside()));
    run(inside(host, "ip", "link", "set", host.inside(), "up"));
    run(inside(host, "ip", "link", "set", "lo", "up"));
    return host;
  }

  /** The command that runs {@code command} inside {@code host}'s namespace. */
  static List<String> inside(Host host, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", host.namespace()));
    full.addAll(List.of(command));
    return full;
  }

  /**
   * Limits both directions of {@code host}'s link to {@code rate} (tc syntax, e.g. {@code 8mbit})
   * with a token bucket: what a slow link does to TCP, queueing and pacing included.
   */
  void limit(Host host, String rate) throws IOException {
    run(tbf("replace", host.outside(), rate));
    run(inside(host, tbf("replace", host.inside(), rate).toArray(String[]::new)));
    limited.add(host);
  }

  /** Takes the limits off {@code host}'s link, if it has any. */
  void unlimit(Host host) throws IOException {
    if (!limited.remove(host)) {
      return;
    }
    run(List.of("tc", "qdisc", "del", "dev", host.outside(), "root"));
    run(inside(host, "tc", "qdisc", "del", "dev", host.inside(), "root"));
  }

  private static List<String> tbf(String verb, String device, String rate) {
    return List.of(
        "tc", "qdisc", verb, "dev", device, "root", "tbf", "rate", rate, "burst", "32kbit",
        "latency", "400ms");
  }

  /**
   * Cuts {@code host}'s link by taking its own end down: from the root namespace the link then
   * stays configured but drops everything, so connections go silent rather than refused, as when a
   * cable is pulled.
   */
  void cut(Host host) throws IOException {
    run(inside(host, "ip", "link", "set", host.inside(), "down"));
  }

  /** Brings a cut link back. */
  void restore(Host host) throws IOException {
    run(inside(host, "ip", "link", "set", host.inside(), "up"));
  }

  /** Bytes the root namespace has sent into {@code host}'s link so far. */
  long bytesSentTo(Host host) throws IOException {
    return Long.parseLong(
        Files.readString(Path.of("/sys/class/net", host.outside(), "statistics", "tx_bytes"))
            .strip());
  }

  private String address(int host, int end) {
    return "10." + second + "." + third + "." + (4 * host + end);
  }

  /** Deletes every namespace made, and with them their links; reports the first failure. */
  @Override
  public void close() throws IOException {
    IOException first = null;
    for (Host host : hosts) {
      try {
        run(List.of("ip", "netns", "del", host.namespace()));
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    hosts.clear();
    if (first != null) {
      throw first;
    }
  }

  /** Runs a command to its end (at most 15 s) and returns its output; a failure is thrown. */
  static String run(List<String> command) throws IOException {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException(command.getFirst() + " cannot run: " + e.getMessage(), e);
    }
    try {
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + " took over " + COMMAND_SECONDS + " s");
      }
      String text = new String(output, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IOException(
            String.join(" ", command) + " exited " + process.exitValue() + ": " + text.strip());
      }
      return text;
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(String.join(" ", command) + " interrupted", e);
    }
  }
}
