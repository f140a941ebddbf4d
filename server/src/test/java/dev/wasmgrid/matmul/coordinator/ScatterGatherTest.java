package dev.wasmgrid.matmul.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.HttpWorkerClient;
import dev.wasmgrid.grid.LocalWorkerClient;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.RouteTable;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.GatedGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.worker.WorkerNode;
import dev.wasmgrid.worker.WorkerServices;
import io.helidon.webclient.api.WebClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Distributed products over real HTTP workers. Workers compute with {@link ReferenceGemm}, which
 * sums every element in the same order whatever the tile, so the gathered C must equal the
 * reference's bit for bit.
 */
class ScatterGatherTest {
  final WebClient http = HttpWorkerClient.newWebClient(Duration.ofSeconds(5));

  @Test
  void tilesOverTwoWorkersGiveTheExactProduct() {
    try (WorkerNode w1 = worker(Limits.DEFAULTS);
        WorkerNode w2 = worker(Limits.DEFAULTS)) {
      for (Dtype dtype : Dtype.values()) {
        MatmulRequest request = request(dtype, 301, 257, 389);
        ScatterGather.Outcome outcome =
            ScatterGather.multiply(request, List.of(client(w1), client(w2)), 2, Optional.empty());
        assertExact(request, outcome.c());
        assertThat(outcome.tiles().values().stream().mapToInt(Integer::intValue).sum())
            .isEqualTo(outcome.plan().blocks().size());
        assertThat(outcome.bytesSent()).isPositive();
      }
    }
  }

  @Test
  void tilesSpreadOverTheWorkersBeforeAnyTakesASecond() {
    // Each worker runs two request loops; with one tile per worker, a worker whose loops both
    // reach the queue first must still leave the other worker its tile.
    try (WorkerNode w1 = worker(Limits.DEFAULTS);
        WorkerNode w2 = worker(Limits.DEFAULTS)) {
      List<WorkerClient> workers = List.of(client(w1), client(w2));
      for (int product = 0; product < 10; product++) {
        MatmulRequest request = request(Dtype.F64, 256, 128, 256);
        ScatterGather.Outcome outcome =
            ScatterGather.multiply(request, workers, 1, Optional.empty());
        assertExact(request, outcome.c());
        // Taken from the queue, not answered: a straggler copy (a tile 3x slower than the mean,
        // which a loaded machine makes) may answer for the other worker's tile.
        assertThat(outcome.taken())
            .containsExactlyInAnyOrderEntriesOf(
                Map.of(workers.get(0).name(), 1, workers.get(1).name(), 1));
      }
    }
  }

  @Test
  void failingWorkersTilesMoveToTheOthers() {
    // One worker is gone and one refuses every tile (its --max-dim is too small): all tiles
    // must land on the healthy one, and C must still be exact.
    try (WorkerNode healthy = worker(Limits.DEFAULTS);
        WorkerNode strict = worker(new Limits(1 << 20, 16, 16))) {
      MatmulRequest request = request(Dtype.F64, 400, 200, 400);
      WorkerClient gone = client(URI.create("http://127.0.0.1:" + Nodes.freePort()));
      ScatterGather.Outcome outcome =
          ScatterGather.multiply(
              request, List.of(gone, client(strict), client(healthy)), 2, Optional.empty());
      assertExact(request, outcome.c());
      assertThat(outcome.tiles()).containsOnlyKeys(client(healthy).name());
    }
  }

  @Test
  void aStragglingWorkersTilesAreRunAgainElsewhere() {
    GatedGemm stalled = new GatedGemm();
    try (WorkerNode fast = worker(Limits.DEFAULTS);
        WorkerNode slow =
            WorkerNode.start(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), stalled)) {
      MatmulRequest request = request(Dtype.F64, 400, 300, 400);
      // The slow worker's calls would time out only after minutes: finishing sooner means its
      // tiles were re-run speculatively on the fast worker.
      ScatterGather.Outcome outcome =
          assertTimeoutPreemptively(
              Duration.ofSeconds(60),
              () ->
                  ScatterGather.multiply(
                      request, List.of(client(fast), client(slow)), 2, Optional.empty()));
      assertExact(request, outcome.c());
      assertThat(outcome.tiles()).containsOnlyKeys(client(fast).name());
    } finally {
      stalled.open();
    }
  }

  @Test
  void aFrozenWorkersTilesFailAfterItsTimeoutEvenMidUpload() throws IOException {
    // A frozen (SIGSTOPped) worker keeps its connections but reads nothing: every upload blocks
    // once the socket buffers are full. Each call must still fail after the worker timeout, so
    // the tiles reach the fallback instead of hanging the product.
    try (ServerSocket frozen = new ServerSocket(0);
        FrozenPeer peer = new FrozenPeer(frozen)) {
      MatmulRequest request = request(Dtype.F64, 64, 8192, 64); // tiles of 4+ MiB
      WorkerClient client =
          new HttpWorkerClient(
              URI.create("http://127.0.0.1:" + frozen.getLocalPort()),
              http,
              Duration.ofSeconds(1),
              Optional.empty());
      ScatterGather.Outcome outcome =
          assertTimeoutPreemptively(
              Duration.ofSeconds(60),
              () ->
                  ScatterGather.multiply(request, List.of(client), 2, Optional.of(localKernel())));
      assertExact(request, outcome.c());
      assertThat(outcome.tiles()).containsOnlyKeys("in-process");
      assertThat(peer.accepted()).isGreaterThanOrEqualTo(2);
    }
  }

  /** Accepts every connection and holds it open without reading a byte. */
  private static final class FrozenPeer implements AutoCloseable {
    private final List<Socket> held = Collections.synchronizedList(new ArrayList<>());
    private final Thread acceptor;

    FrozenPeer(ServerSocket server) {
      acceptor =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (true) {
                        held.add(server.accept());
                      }
                    } catch (IOException e) {
                      // the server socket closed: the test is over
                    }
                  });
    }

    int accepted() {
      return held.size();
    }

    @Override
    public void close() throws IOException {
      acceptor.interrupt();
      synchronized (held) {
        for (Socket socket : held) {
          socket.close();
        }
      }
    }
  }

  @Test
  void progressHearsEveryTileWithTheBytesMoved() {
    try (WorkerNode w1 = worker(Limits.DEFAULTS);
        WorkerNode w2 = worker(Limits.DEFAULTS)) {
      MatmulRequest request = request(Dtype.F64, 300, 200, 300);
      List<long[]> heard = Collections.synchronizedList(new ArrayList<>());
      ScatterGather.Progress progress =
          new ScatterGather.Progress() {
            @Override
            public void tileDone(int done, int total, long bytesSent, long bytesReceived) {
              heard.add(new long[] {done, total, bytesSent, bytesReceived});
            }

            @Override
            public boolean cancelled() {
              return false;
            }
          };
      ScatterGather.Outcome outcome =
          ScatterGather.multiply(
              request, List.of(client(w1), client(w2)), 2, Optional.empty(), progress);
      assertExact(request, outcome.c());
      int total = outcome.plan().blocks().size();
      assertThat(heard).hasSize(total + 1);
      assertThat(heard.getFirst()).containsExactly(0, total, 0, 0);
      assertThat(heard).allSatisfy(h -> assertThat(h[1]).isEqualTo(total));
      assertThat(heard.stream().mapToLong(h -> h[0]).sorted().toArray())
          .containsExactly(LongStream.rangeClosed(0, total).toArray());
      long[] last = heard.stream().max(Comparator.comparingLong(h -> h[0])).orElseThrow();
      assertThat(last[2]).isPositive().isLessThanOrEqualTo(outcome.bytesSent());
      assertThat(last[3]).isEqualTo(outcome.bytesReceived());
    }
  }

  @Test
  void aCancelledProductStopsPromptlyAndNeverReturnsC() {
    GatedGemm stalled = new GatedGemm();
    try (WorkerNode slow =
        WorkerNode.start(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), stalled)) {
      MatmulRequest request = request(Dtype.F64, 300, 200, 300);
      AtomicBoolean cancel = new AtomicBoolean(true);
      ScatterGather.Progress cancelling =
          new ScatterGather.Progress() {
            @Override
            public void tileDone(int done, int total, long bytesSent, long bytesReceived) {}

            @Override
            public boolean cancelled() {
              return cancel.get();
            }
          };
      // Cancelled from the start: no tile is handed to the worker at all.
      assertThatThrownBy(
              () ->
                  ScatterGather.multiply(
                      request, List.of(client(slow)), 2, Optional.empty(), cancelling))
          .isInstanceOf(Failure.class)
          .extracting(e -> ((Failure) e).code())
          .isEqualTo("cancelled");
      assertThat(workerProducts(slow)).isZero();
      assertThat(stalled.entered()).as("the kernel was never called").isZero();

      // Cancelled while the worker holds tiles: the product stops without waiting for them.
      cancel.set(false);
      CompletableFuture<ScatterGather.Outcome> product =
          CompletableFuture.supplyAsync(
              () ->
                  ScatterGather.multiply(
                      request, List.of(client(slow)), 2, Optional.empty(), cancelling));
      Poll.until("the worker holds a tile", Duration.ofSeconds(30), () -> stalled.entered() > 0);
      cancel.set(true);
      assertThatThrownBy(() -> product.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(Failure.class)
          .cause()
          .extracting(e -> ((Failure) e).kind())
          .isEqualTo(Failure.Kind.CONFLICT);
    } finally {
      stalled.open();
    }
  }

  @Test
  void answersOfTheWrongShapeOrWithNaNAreRecomputedElsewhere() {
    try (WorkerNode honest = worker(Limits.DEFAULTS);
        WorkerNode other = worker(Limits.DEFAULTS)) {
      MatmulRequest request = request(Dtype.F64, 300, 100, 300);
      // Real answers, bent on the way back: one a tile of the wrong shape, one with a NaN in it.
      WorkerClient wrongShape = bent(client(other), tile -> tile.cols(0, tile.cols() - 1));
      WorkerClient withNaN =
          bent(
              client(other),
              tile -> {
                ((Matrix.F64) tile).data()[tile.cols() + 1] = Double.NaN;
                return tile;
              });
      ScatterGather.Outcome outcome =
          ScatterGather.multiply(
              request, List.of(wrongShape, withNaN, client(honest)), 2, Optional.empty());
      assertExact(request, outcome.c());
      assertThat(outcome.tiles()).containsOnlyKeys(client(honest).name());
    }
  }

  private static WorkerClient bent(WorkerClient worker, UnaryOperator<Matrix> bend) {
    return new WorkerClient() {
      @Override
      public String name() {
        return "bent " + worker.name();
      }

      @Override
      public Reply call(String path, String contentType, byte[] body) throws IOException {
        Reply reply = worker.call(path, contentType, body);
        Matrix tile = MatrixFrames.decode(reply.body(), Integer.MAX_VALUE, "C").getFirst();
        return new Reply(
            reply.status(), reply.contentType(), MatrixFrames.encode(bend.apply(tile)));
      }
    };
  }

  @Test
  void noCapacityLeftIsA503NeverAPartialMatrix() {
    try (WorkerNode strict = worker(new Limits(1 << 20, 16, 16))) {
      MatmulRequest request = request(Dtype.F64, 200, 100, 200);
      WorkerClient gone = client(URI.create("http://127.0.0.1:" + Nodes.freePort()));
      assertThatThrownBy(
              () ->
                  ScatterGather.multiply(
                      request, List.of(gone, client(strict)), 2, Optional.empty()))
          .isInstanceOf(Failure.class)
          .hasMessageContaining("tiles could not be computed")
          .extracting(e -> ((Failure) e).kind())
          .isEqualTo(Failure.Kind.UNAVAILABLE);
    }
  }

  @Test
  void tilesNoWorkerCouldComputeFallBackToTheLocalKernel() {
    try (WorkerNode strict = worker(new Limits(1 << 20, 16, 16))) {
      MatmulRequest request = request(Dtype.F32, 300, 200, 300);
      WorkerClient gone = client(URI.create("http://127.0.0.1:" + Nodes.freePort()));
      Optional<WorkerClient> local = Optional.of(localKernel());
      ScatterGather.Outcome outcome =
          ScatterGather.multiply(request, List.of(gone, client(strict)), 2, local);
      assertExact(request, outcome.c());
      assertThat(outcome.tiles()).containsOnlyKeys("in-process");
      // With no worker at all the local kernel takes the whole product.
      assertExact(request, ScatterGather.multiply(request, List.of(), 2, local).c());
    }
  }

  private static WorkerClient localKernel() {
    return new LocalWorkerClient(
        RouteTable.of(
            List.of(
                WorkerServices.matmul(
                    new ReferenceGemm(1),
                    Limits.DEFAULTS,
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)))));
  }

  @Test
  void theModeSwitchesAtRunTimeAndPerRequest() {
    try (WorkerNode w1 = worker(Limits.DEFAULTS);
        CoordinatorNode coordinator =
            CoordinatorNode.start(
                ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS),
                List.of(uri(w1)),
                Duration.ofSeconds(30),
                new ReferenceGemm(1))) {
      Http http = new Http(coordinator.port());
      MatmulRequest request = request(Dtype.F64, 400, 400, 400);
      byte[] body = MatrixFrames.encode(request.a(), request.b());
      HttpResponse<byte[]> put =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(Nodes.url(coordinator.port()) + "/v1/config/matmul"))
                  .PUT(HttpRequest.BodyPublishers.ofString("{\"mode\":\"local\"}")));
      assertThat(put.statusCode()).as(Http.text(put)).isEqualTo(200);
      assertThat(Http.text(http.get("/v1/config/matmul"))).contains("\"mode\":\"local\"");

      HttpResponse<byte[]> local = http.post("/v1/matmul", MatrixFrames.MEDIA_TYPE, body);
      assertExact(request, MatrixFrames.decode(local.body(), 1024, "C").getFirst());
      assertThat(workerProducts(w1)).as("local mode leaves the worker alone").isZero();

      HttpResponse<byte[]> split =
          http.post("/v1/matmul?mode=distributed", MatrixFrames.MEDIA_TYPE, body);
      assertExact(request, MatrixFrames.decode(split.body(), 1024, "C").getFirst());
      assertThat(workerProducts(w1)).as("the request's mode wins").isPositive();

      assertThat(http.post("/v1/matmul?mode=fast", MatrixFrames.MEDIA_TYPE, body).statusCode())
          .isEqualTo(400);
      HttpResponse<byte[]> wrongMethod = http.postJson("/v1/config/matmul", "{}");
      assertThat(wrongMethod.statusCode()).isEqualTo(405);
      assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET, HEAD, PUT");
    }
  }

  private static long workerProducts(WorkerNode worker) {
    Matcher m =
        Pattern.compile(
                "wasmgrid_http_requests_seconds_count\\{method=\"POST\",route=\"/v1/matmul\",status=\"200\"} (\\d+)")
            .matcher(Http.text(new Http(worker.port()).get("/metrics")));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  @Test
  void coordinatorSplitsLargeBinaryProductsOverItsWorkers() {
    try (WorkerNode w1 = worker(Limits.DEFAULTS);
        WorkerNode w2 = worker(Limits.DEFAULTS);
        CoordinatorNode coordinator =
            CoordinatorNode.start(
                ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS),
                List.of(uri(w1), uri(w2)),
                Duration.ofSeconds(30),
                new ReferenceGemm(1))) {
      MatmulRequest request = request(Dtype.F64, 400, 400, 400);
      HttpResponse<byte[]> response =
          new Http(coordinator.port())
              .post(
                  "/v1/matmul",
                  MatrixFrames.MEDIA_TYPE,
                  MatrixFrames.encode(request.a(), request.b()));
      assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
      assertExact(request, MatrixFrames.decode(response.body(), 1024, "C").getFirst());
      for (WorkerNode w : List.of(w1, w2)) {
        assertThat(Http.text(new Http(w.port()).get("/metrics")))
            .as("every worker computed tiles")
            .containsPattern(
                "wasmgrid_http_requests_seconds_count\\{method=\"POST\",route=\"/v1/matmul\",status=\"200\"} [1-9]");
      }
    }
  }

  private static void assertExact(MatmulRequest request, Matrix c) {
    Matrix expected = Matrix.multiply(new ReferenceGemm(1), request.a(), request.b());
    switch (expected) {
      case Matrix.F64 e -> assertThat(((Matrix.F64) c).data()).containsExactly(e.data());
      case Matrix.F32 e -> assertThat(((Matrix.F32) c).data()).containsExactly(e.data());
    }
  }

  private static MatmulRequest request(Dtype dtype, int m, int k, int n) {
    return new MatmulRequest(RandomMatrices.of(dtype, m, k, 1), RandomMatrices.of(dtype, k, n, 2));
  }

  private static WorkerNode worker(Limits limits) {
    return WorkerNode.start(ServerSettings.open("127.0.0.1", 0, limits), new ReferenceGemm(1));
  }

  private static URI uri(WorkerNode worker) {
    return URI.create("http://127.0.0.1:" + worker.port());
  }

  private WorkerClient client(WorkerNode worker) {
    return client(uri(worker));
  }

  private WorkerClient client(URI uri) {
    return new HttpWorkerClient(uri, http, Duration.ofMinutes(5), Optional.empty());
  }
}
