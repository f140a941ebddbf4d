package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.bench.LeakStorm;
import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.testing.TestModules;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A leak storm on a worker process: 8 clients x 250 calls to a C module built against wasi-libc
 * ({@code leaky.c}) that leaks 1 MiB per call, with buffers in and out, recycled after 40 calls on
 * one instance. Every call is answered right, and the worker's resident set falls back within 1.5
 * times what it was before the load, without a forced GC. Before, retired instances' memory stayed
 * on the JVM heap (G1 gave none back while it had room): the worker kept its peak.
 */
class LeakStormTest {
  private static final int TABLE_KIB = 1024;
  private static final int SEED = 7;
  private static final int LEAK_KIB = 1024;
  private static final int INPUT_BYTES = 4096;

  private final LocalCluster cluster = new LocalCluster(launcher());

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void eightClientsLeakingThroughBuffersFailNothingAndTheMemoryGoesBack() throws Exception {
    LocalCluster.Node worker = cluster.start("worker", "--port", "0", "--modules-dir", "none");
    LeakStorm storm = new LeakStorm(URI.create(worker.url()), worker.process().pid());
    storm.send("PUT", "/v1/modules/leaky", "application/wasm", TestModules.bytes("leaky"));
    storm.send(
        "PUT",
        "/v1/modules/leaky/recycling",
        "application/json",
        "{\"state_exports\":[\"setup\"],\"handle_params\":{\"mix\":[0]},\"max_calls\":40}"
            .getBytes(StandardCharsets.UTF_8));
    long handle =
        storm
            .send(
                "POST",
                "/v1/modules/leaky/call/setup",
                "application/json",
                ("{\"args\":[" + TABLE_KIB + "," + SEED + "]}").getBytes(StandardCharsets.UTF_8))
            .get("results")
            .get(0)
            .asLong();
    byte[] table = table(TABLE_KIB * 1024, SEED);

    // Warm up (classes loaded, code compiled, the heap's young space in use) without leaking, so
    // that "before" is the worker's working size, not its size at start.
    LeakStorm.Result warm = storm.run("leaky", 8, 25, calls(handle, table, 0), 100, Duration.ZERO);
    assertThat(warm.failures()).isEmpty();

    LeakStorm.Result result =
        storm.run("leaky", 8, 250, calls(handle, table, LEAK_KIB), 1.5, Duration.ofSeconds(30));

    assertThat(result.failures()).isEmpty();
    assertThat(result.failed()).isZero();
    JsonNode stats =
        storm.send("GET", "/v1/modules/leaky/recycling", "application/json", new byte[0]);
    // 2000 calls leaking 1 MiB, recycled every 40: about 50 swaps retired as many instances.
    assertThat(stats.get("stats").get("swaps").asLong()).isGreaterThanOrEqualTo(40);
    assertThat(result.peakBytes() - result.beforeBytes())
        .as(
            "the storm's memory in the resident set: %d MiB before, %d MiB at the peak",
            result.beforeBytes() >> 20, result.peakBytes() >> 20)
        .isGreaterThan(40L << 20);
    assertThat(result.afterBytes())
        .as(
            "resident set %d s after the load: %d MiB (before %d MiB, peak %d MiB)",
            result.settled().toSeconds(),
            result.afterBytes() >> 20,
            result.beforeBytes() >> 20,
            result.peakBytes() >> 20)
        .isLessThanOrEqualTo((long) (1.5 * result.beforeBytes()));
  }

  private static List<String> launcher() {
    List<String> command = new ArrayList<>(LocalCluster.sameJvm(Main.class.getName()));
    command.addAll(command.indexOf("-cp"), List.of("-Xms256m", "-XX:+AlwaysPreTouch"));
    return command;
  }

  /** {@code mix(handle, input, out 8, leakKib)} with a random input, checked as C computes it. */
  private static LeakStorm.Calls calls(long handle, byte[] table, int leakKib) {
    return (client, i) -> {
      byte[] input = new byte[INPUT_BYTES];
      new Random(client * 100_003L + i).nextBytes(input);
      int sum = 0;
      for (byte b : input) {
        sum += b & 0xff;
      }
      int expectedSum = sum;
      String expectedOut = Base64.getEncoder().encodeToString(fnv(input, table));
      String body =
          "{\"args\":[%d,{\"bytes\":\"%s\"},{\"out\":8},%d]}"
              .formatted(handle, Base64.getEncoder().encodeToString(input), leakKib);
      return new LeakStorm.Call(
          "mix",
          body,
          answer ->
              answer.get("results").get(0).asInt() == expectedSum
                  && answer.get("out").get(0).asText().equals(expectedOut));
    };
  }

  /** leaky.c's setup(): xorshift32 bytes from the seed. */
  private static byte[] table(int length, int seed) {
    byte[] table = new byte[length];
    int x = seed * (int) 2654435761L + 1;
    for (int i = 0; i < length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      table[i] = (byte) x;
    }
    return table;
  }

  /** leaky.c's mix(): FNV-1a of the input mixed with the table, as 8 little-endian bytes. */
  private static byte[] fnv(byte[] input, byte[] table) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < input.length; i++) {
      h = (h ^ ((input[i] ^ table[i % table.length]) & 0xff)) * 0x100000001b3L;
    }
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h).array();
  }
}
