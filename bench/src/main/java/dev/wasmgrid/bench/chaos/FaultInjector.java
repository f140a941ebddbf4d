package dev.wasmgrid.bench.chaos;

import dev.wasmgrid.bench.LocalCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Breaks one worker at a time, at random, and mends it: kill -9 and a restart on the same port
 * (with its modules directory, so a stateful module comes back with its policy but not its state),
 * SIGSTOP then SIGCONT (a frozen process: its connections stay open), a link cut, and a stalled
 * link that carries nothing.
 */
final class FaultInjector {
  /** The faults, by their names in reports. */
  enum Fault {
    KILL,
    STOP,
    CUT,
    STALL;

    String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One worker: its process, the relay the coordinator reaches it through, where it keeps modules.
   */
  static final class Slot {
    final int port;
    final LinkRelay relay;
    final Path modules;
    LocalCluster.Node node;

    Slot(int port, LinkRelay relay, Path modules) {
      this.port = port;
      this.relay = relay;
      this.modules = modules;
    }

    String[] args() {
      return new String[] {
        "worker",
        "--port",
        Integer.toString(port),
        "--modules-dir",
        modules.toString(),
        "--threads",
        "1"
      };
    }
  }

  private final LocalCluster cluster;
  private final List<Slot> slots;
  private final RandomGenerator random;
  private final Consumer<String> log;
  private final Map<Fault, Integer> injected = new EnumMap<>(Fault.class);

  FaultInjector(
      LocalCluster cluster, List<Slot> slots, RandomGenerator random, Consumer<String> log) {
    this.cluster = cluster;
    this.slots = List.copyOf(slots);
    this.random = random;
    this.log = log;
  }

  /**
   * Injects faults until {@code deadline} ({@link System#nanoTime}), leaving every worker mended.
   */
  void run(long deadline) throws IOException, InterruptedException {
    List<Fault> round = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      pause(1_000, 3_000);
      Slot slot = slots.get(random.nextInt(slots.size()));
      if (round.isEmpty()) {
        // Every kind once per round, in a random order: a short run still sees each of them.
        round.addAll(List.of(Fault.values()));
        Collections.shuffle(round, random);
      }
      Fault fault = round.removeLast();
      log.accept("chaos: " + fault.id() + " worker :" + slot.port);
      injected.merge(fault, 1, Integer::sum);
      switch (fault) {
        case KILL -> {
          slot.node.process().destroyForcibly().waitFor();
          pause(500, 3_000);
          slot.node = cluster.start(slot.args());
        }
        case STOP -> {
          signal(slot, "-STOP");
          pause(2_000, 6_000);
          signal(slot, "-CONT");
        }
        case CUT -> {
          slot.relay.cut();
          pause(1_000, 5_000);
          slot.relay.heal();
        }
        case STALL -> {
          slot.relay.stall();
          pause(2_000, 6_000);
          slot.relay.heal();
        }
      }
    }
  }

  /** How many of each fault were injected. */
  Map<Fault, Integer> injected() {
    return Map.copyOf(injected);
  }

  private void pause(int fromMillis, int toMillis) throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(random.nextInt(fromMillis, toMillis)); // the fault's duration
  }

  private static void signal(Slot slot, String signal) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", signal, Long.toString(slot.node.process().pid()))
            .inheritIO()
            .start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill " + signal + " " + slot.node.process().pid() + " failed");
    }
  }
}
