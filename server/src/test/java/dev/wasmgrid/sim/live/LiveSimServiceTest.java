package dev.wasmgrid.sim.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.sim.PartitionedSim;
import dev.wasmgrid.sim.PhaseRunner;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.StateHash;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The live-simulation API over real HTTP and a real WebSocket (the JDK's client) against an
 * in-process coordinator with a token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveSimServiceTest {
  private static final String TOKEN = "s1m-t0ken";
  private static final ObjectMapper JSON = new ObjectMapper();

  private CoordinatorNode coordinator;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() {
    coordinator =
        CoordinatorNode.start(
            new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of(TOKEN)),
            List.of(),
            Duration.ofSeconds(30),
            new ReferenceGemm(1));
  }

  @AfterAll
  void stop() {
    coordinator.close();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + coordinator.port() + path);
  }

  private HttpResponse<String> send(String method, String path, String body, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode ok(String method, String path, String body) throws Exception {
    HttpResponse<String> r = send(method, path, body, TOKEN);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    return JSON.readTree(r.body());
  }

  private SimFrames connect(String id, boolean header, String query) {
    return connect(id, header ? "Bearer " + TOKEN : null, query);
  }

  private SimFrames connect(String id, String authorization, String query) {
    SimFrames frames = new SimFrames();
    WebSocket.Builder b = http.newWebSocketBuilder();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    URI ws =
        URI.create("ws://127.0.0.1:" + coordinator.port() + "/v1/sim/" + id + "/frames" + query);
    b.buildAsync(ws, frames).join();
    return frames;
  }

  /** The hash PartitionedSim reaches on its own for the same world after {@code ticks}. */
  private static String jvmHash(int entities, long seed, int partitions, long ticks) {
    return jvmHash(entities, seed, partitions, ticks, -1);
  }

  /** As {@link #jvmHash(int, long, int, long)}, with food regrown before tick {@code foodAt}. */
  private static String jvmHash(int entities, long seed, int partitions, long ticks, long foodAt) {
    try (PartitionedSim sim =
        new PartitionedSim(SimConfig.of(entities, seed), partitions, PhaseRunner.SEQUENTIAL)) {
      for (long t = 0; t < ticks; t++) {
        if (t == foodAt) {
          sim.regrowFood();
        }
        sim.step();
      }
      return StateHash.hex(sim.stateHash());
    }
  }

  @Test
  void framesArriveDecodeAndFollowTheControls() throws Exception {
    JsonNode created =
        ok(
            "POST",
            "/v1/sim",
            "{\"entities\":1500,\"seed\":7,\"partitions\":2,\"ticks_per_second\":200}");
    String id = created.get("id").asText();
    assertThat(created.get("placement").asText()).isEqualTo("local");
    SimFrames frames = connect(id, true, "");

    SimFrames.Frame first = frames.next();
    SimFrames.Frame later = frames.next();
    while (later.tick() <= first.tick()) {
      later = frames.next();
    }
    assertThat(later.tick()).isGreaterThan(first.tick());
    assertThat(first.entities()).isEqualTo(first.population()[0] + first.population()[1]);
    assertThat(first.population()[1]).isPositive();
    assertThat(first.owned()).hasSize(2);
    assertThat(first.owned()[0] + first.owned()[1]).isEqualTo(first.entities());
    assertEntitiesWithinTheirStrips(first);
    assertThat(first.width()).isEqualTo(SimConfig.of(1500, 7).width());
    // Quantized over the whole world: entities on both halves.
    assertThat(java.util.Arrays.stream(first.qx()).filter(x -> x >= 32768).count()).isPositive();
    assertThat(java.util.Arrays.stream(first.qx()).filter(x -> x < 32768).count()).isPositive();

    JsonNode paused = ok("POST", "/v1/sim/" + id + "/control", "{\"action\":\"pause\"}");
    assertThat(paused.get("state").asText()).isEqualTo("paused");
    long tick = paused.get("tick").asLong();
    // The window in which a pause that did not hold would let the loop step (200 ticks/s).
    TimeUnit.MILLISECONDS.sleep(300);
    JsonNode still = ok("GET", "/v1/sim/" + id, null);
    assertThat(still.get("tick").asLong()).isEqualTo(tick);
    // The live world is the same world PartitionedSim computes alone.
    assertThat(still.get("hash").asText()).isEqualTo(jvmHash(1500, 7, 2, tick));
    SimFrames.Frame pausedFrame = frames.next();
    while (!pausedFrame.paused()) {
      pausedFrame = frames.next();
    }
    assertThat(pausedFrame.tick()).isEqualTo(tick);

    ok("POST", "/v1/sim/" + id + "/control", "{\"action\":\"resume\"}");
    SimFrames.Frame resumed = frames.next();
    while (resumed.tick() <= tick) {
      resumed = frames.next();
    }
    assertThat(resumed.paused()).isFalse();

    JsonNode speed =
        ok("POST", "/v1/sim/" + id + "/control", "{\"action\":\"speed\",\"ticks_per_second\":5}");
    assertThat(speed.get("ticks_per_second").asInt()).isEqualTo(5);
    assertThat(
            ok("POST", "/v1/sim/" + id + "/control", "{\"action\":\"add_food\"}")
                .get("state")
                .asText())
        .isEqualTo("running");

    ok("POST", "/v1/sim/" + id + "/control", "{\"action\":\"pause\"}");
    JsonNode reset = ok("POST", "/v1/sim/" + id + "/control", "{\"action\":\"reset\"}");
    assertThat(reset.get("tick").asLong()).isZero();
    assertThat(reset.get("hash").asText()).isEqualTo(jvmHash(1500, 7, 2, 0));

    HttpResponse<String> deleted = send("DELETE", "/v1/sim/" + id, null, TOKEN);
    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(frames.closed.get(30, TimeUnit.SECONDS)).isEqualTo(1000);
    assertThat(send("GET", "/v1/sim/" + id, null, TOKEN).statusCode()).isEqualTo(404);
  }

  /** A client that takes its first frame and then reads nothing more. */
  private static final class Stalled implements WebSocket.Listener {
    @Override
    public void onOpen(WebSocket ws) {
      ws.request(1);
    }

    @Override
    public java.util.concurrent.CompletionStage<?> onBinary(
        WebSocket ws, java.nio.ByteBuffer data, boolean last) {
      return null;
    }
  }

  @Test
  void aStalledClientLosesFramesWithoutHoldingUpTheSimulationOrOthers() throws Exception {
    String id =
        ok("POST", "/v1/sim", "{\"entities\":20000,\"seed\":2,\"ticks_per_second\":1000}")
            .get("id")
            .asText();
    try {
      WebSocket stalled =
          http.newWebSocketBuilder()
              .header("Authorization", "Bearer " + TOKEN)
              .buildAsync(
                  URI.create("ws://127.0.0.1:" + coordinator.port() + "/v1/sim/" + id + "/frames"),
                  new Stalled())
              .join();
      SimFrames reader = connect(id, true, "");
      // ~100 KB frames: the stalled socket's buffers fill, and from then on its frames drop.
      long dropped = 0;
      long tick = reader.next().tick();
      for (int read = 0; dropped == 0; read++) {
        // Without dropping, the stalled client's frames would pile up and this would never end.
        assertThat(read).as("frames read before the stalled client lost one").isLessThan(3000);
        SimFrames.Frame f = reader.next();
        assertThat(f.tick()).isGreaterThanOrEqualTo(tick);
        tick = f.tick();
        reader.frames.clear();
        dropped = ok("GET", "/v1/sim/" + id, null).get("frames_dropped").asLong();
      }
      // The simulation and the reading client go on.
      SimFrames.Frame later = reader.next();
      while (later.tick() <= tick) {
        later = reader.next();
      }
      assertThat(later.tick()).isGreaterThan(tick);
      stalled.abort();
    } finally {
      send("DELETE", "/v1/sim/" + id, null, TOKEN);
    }
  }

  @Test
  void workerPlacementRunsBehindThePartitionProtocol() throws Exception {
    JsonNode created =
        ok(
            "POST",
            "/v1/sim",
            "{\"entities\":800,\"seed\":3,\"partitions\":3,\"placement\":\"workers\"}");
    String id = created.get("id").asText();
    try {
      SimFrames frames = connect(id, false, "?access_token=" + TOKEN);
      SimFrames.Frame f = frames.next();
      assertThat(f.status()).containsOnly(1);
      assertThat(f.owned()).hasSize(3);
      assertEntitiesWithinTheirStrips(f);
      JsonNode paused = ok("POST", "/v1/sim/" + id + "/control", "{\"action\":\"pause\"}");
      assertThat(paused.get("partitions")).hasSize(3);
      assertThat(paused.get("hash").asText())
          .isEqualTo(jvmHash(800, 3, 3, paused.get("tick").asLong()));
      // Food added on the worker partitions is the same change PartitionedSim makes alone.
      long foodAt = paused.get("tick").asLong();
      ok("POST", "/v1/sim/" + id + "/control", "{\"action\":\"add_food\"}");
      ok("POST", "/v1/sim/" + id + "/control", "{\"action\":\"resume\"}");
      SimFrames.Frame later = frames.next();
      while (later.tick() < foodAt + 3) {
        later = frames.next();
      }
      JsonNode again = ok("POST", "/v1/sim/" + id + "/control", "{\"action\":\"pause\"}");
      long tick = again.get("tick").asLong();
      assertThat(again.get("hash").asText()).isEqualTo(jvmHash(800, 3, 3, tick, foodAt));
      assertThat(jvmHash(800, 3, 3, tick, foodAt)).isNotEqualTo(jvmHash(800, 3, 3, tick));
    } finally {
      send("DELETE", "/v1/sim/" + id, null, TOKEN);
    }
  }

  @Test
  void badInputGets400NamingTheField() throws Exception {
    for (String[] c :
        new String[][] {
          {"{\"seed\":1}", "entities"},
          {"{\"entities\":0}", "entities"},
          {"{\"entities\":9999999}", "entities"},
          {"{\"entities\":100,\"placement\":\"moon\"}", "placement"},
          {"{\"entities\":100,\"partitions\":99}", "partitions"},
          {"{\"entities\":100,\"ticks_per_second\":0}", "ticks_per_second"},
          {"{\"entities\":100,\"colour\":1}", "colour"},
          {"[1]", "malformed_json"},
        }) {
      HttpResponse<String> r = send("POST", "/v1/sim", c[0], TOKEN);
      assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
      assertThat(r.body())
          .as(c[0])
          .containsAnyOf("\"field\":\"" + c[1] + "\"", "\"code\":\"" + c[1] + "\"");
    }
    JsonNode created = ok("POST", "/v1/sim", "{\"entities\":100}");
    String id = created.get("id").asText();
    try {
      HttpResponse<String> r =
          send("POST", "/v1/sim/" + id + "/control", "{\"action\":\"fly\"}", TOKEN);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("action");
      r = send("POST", "/v1/sim/" + id + "/control", "{\"action\":\"speed\"}", TOKEN);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("ticks_per_second");
    } finally {
      send("DELETE", "/v1/sim/" + id, null, TOKEN);
    }
    assertThat(send("GET", "/v1/sim/s999", null, TOKEN).statusCode()).isEqualTo(404);
    assertThat(send("DELETE", "/v1/sim/s999", null, TOKEN).statusCode()).isEqualTo(404);
  }

  @Test
  void theTokenIsRequiredOnEveryRouteAndTheSocket() throws Exception {
    assertThat(send("POST", "/v1/sim", "{\"entities\":100}", null).statusCode()).isEqualTo(401);
    assertThat(send("GET", "/v1/sim", null, null).statusCode()).isEqualTo(401);
    String id = ok("POST", "/v1/sim", "{\"entities\":100}").get("id").asText();
    try {
      assertThat(send("GET", "/v1/sim/" + id, null, null).statusCode()).isEqualTo(401);
      assertThat(send("GET", "/v1/sim/" + id, null, "wrong").statusCode()).isEqualTo(401);
      assertThatThrownBy(() -> connect(id, false, "")).isInstanceOf(CompletionException.class);
      assertThatThrownBy(() -> connect(id, false, "?access_token=wrong"))
          .isInstanceOf(CompletionException.class);
      assertThat(connect(id, false, "?access_token=" + TOKEN).next().entities()).isPositive();
      // RFC 7235: the scheme name is case-insensitive.
      assertThat(connect(id, "bearer " + TOKEN, "").next().entities()).isPositive();
      assertThatThrownBy(() -> connect(id, "bearer wrong", ""))
          .isInstanceOf(CompletionException.class);
    } finally {
      send("DELETE", "/v1/sim/" + id, null, TOKEN);
    }
  }

  @Test
  void liveSimulationsAreBounded() throws Exception {
    List<String> ids = new java.util.ArrayList<>();
    try {
      HttpResponse<String> r = send("POST", "/v1/sim", "{\"entities\":50}", TOKEN);
      while (r.statusCode() == 201) {
        ids.add(JSON.readTree(r.body()).get("id").asText());
        assertThat(ids).hasSizeLessThanOrEqualTo(SimLimits.DEFAULTS.maxLive());
        r = send("POST", "/v1/sim", "{\"entities\":50}", TOKEN);
      }
      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(r.body()).contains("too_many_sims");
    } finally {
      for (String id : ids) {
        send("DELETE", "/v1/sim/" + id, null, TOKEN);
      }
    }
  }

  /**
   * The frame's strip edges are the partitions' own: the first starts at 0, they rise, and each
   * partition's entities (the frame lists them partition by partition) lie in its strip, give or
   * take one tick's move since the strips were last applied.
   */
  private static void assertEntitiesWithinTheirStrips(SimFrames.Frame f) {
    int[] left = f.left();
    assertThat(left[0]).isZero();
    assertThat(left).isSorted().doesNotHaveDuplicates();
    int slack = (int) Math.ceil(4 * 65536.0 / f.width());
    int at = 0;
    for (int p = 0; p < left.length; p++) {
      int lo = left[p] - slack;
      int hi = (p + 1 < left.length ? left[p + 1] : 65536) + slack;
      for (int i = at; i < at + f.owned()[p]; i++) {
        int x = f.qx()[i];
        // A strip's entities may sit just across the world's seam.
        boolean inside = (x >= lo && x < hi) || x - 65536 >= lo || x + 65536 < hi;
        assertThat(inside).as("entity %d (x %d) in strip %d [%d, %d)", i, x, p, lo, hi).isTrue();
      }
      at += f.owned()[p];
    }
  }
}
