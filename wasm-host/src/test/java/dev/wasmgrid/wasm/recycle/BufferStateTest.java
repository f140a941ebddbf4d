package dev.wasmgrid.wasm.recycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.testing.TestModules;
import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.GuestCall;
import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.wasm.WasmModules;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A state-building call that takes a buffer (a streaming XXH64's update, C against wasi-libc) is
 * logged with its bytes and replayed with them: after 50 forced swaps the digest is the one the
 * same C built natively by gcc gives for the same chunks.
 */
class BufferStateTest {

  private static final CompiledModule HASH =
      WasmModules.compile("hash", TestModules.bytes("stream_hash"), ModuleLimits.defaults());

  private static RecyclingPolicy policy() {
    return RecyclingPolicy.defaults(Set.of("xxh_new", "xxh_update"))
        .withHandles(Map.of("xxh_update", List.of(0), "xxh_digest", List.of(0)), "xxh_digest");
  }

  @Test
  void anUpdateWithABufferSurvivesFiftyReplaySwaps() throws Exception {
    assertSurvives(policy().withSnapshots(false), 50, SwapMethod.REPLAY);
  }

  @Test
  void anUpdateWithABufferSurvivesSnapshotSwaps() throws Exception {
    assertSurvives(policy(), 10, SwapMethod.SNAPSHOT);
  }

  private static void assertSurvives(RecyclingPolicy policy, int swaps, SwapMethod last)
      throws Exception {
    Random random = new Random(19);
    long seed = 7;
    List<Integer> lengths = new ArrayList<>();
    ByteArrayOutputStream fed = new ByteArrayOutputStream();
    try (RecyclingProxy proxy = new RecyclingProxy(HASH, policy, RecycleListener.NONE)) {
      long handle = proxy.call("xxh_new", seed)[0];
      SwapReport report = null;
      for (int i = 0; i < swaps; i++) {
        byte[] chunk = new byte[random.nextInt(3000)];
        random.nextBytes(chunk);
        lengths.add(chunk.length);
        fed.write(chunk);
        GuestCall update =
            new GuestCall(
                "xxh_update",
                List.of(new GuestCall.Scalar(handle), new GuestCall.In(ByteBuffer.wrap(chunk))));
        assertThat(proxy.call(update).results()).containsExactly(0);
        report = proxy.recycle().get(30, TimeUnit.SECONDS);
      }
      assertThat(report.method()).isEqualTo(last);
      long digest = proxy.call("xxh_digest", handle)[0];
      assertThat("= " + digest + "\n").isEqualTo(nativeDigest(seed, lengths, fed.toByteArray()));
      assertThat(proxy.stats().swaps()).isEqualTo(swaps);
      assertThat(proxy.stats().replayMismatches()).isZero();
      assertThat(proxy.stats().failedPrepares()).isZero();
      assertThat(proxy.stats().logBufferBytes()).isEqualTo(fed.size());
    }
  }

  /** What stream_hash_native prints for {@code data} fed in chunks of {@code lengths}. */
  private static String nativeDigest(long seed, List<Integer> lengths, byte[] data)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(TestModules.path("stream_hash_native").toString());
    command.add(Long.toString(seed));
    lengths.forEach(n -> command.add(Integer.toString(n)));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(data);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    return out;
  }
}
