package dev.wasmgrid.modules.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.worker.WorkerConfig;
import dev.wasmgrid.worker.WorkerNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A worker keeps at most {@code --max-modules} modules and compiles each for at most {@code
 * --max-compile-ms}: deployments could once fill it with hundreds of modules, or hold a request for
 * a compile of any length.
 */
class ModuleStoreLimitsTest {
  /** A module of one function returning 1, compiled in no time. */
  static final byte[] SMALL = ManyFunctions.module(1, 0);

  @Test
  void aWorkerHoldsAtMostTheDefaultNumberOfModulesAndStillReplacesThem() {
    int limit = StoreLimits.DEFAULTS.maxModules();
    try (WorkerNode worker =
        WorkerNode.start(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), gemm())) {
      Http http = new Http(worker.port());
      for (int i = 0; i < limit; i++) {
        HttpResponse<byte[]> created = put(worker.port(), "m" + i, SMALL);
        assertThat(created.statusCode()).as(Http.text(created)).isEqualTo(201);
      }

      HttpResponse<byte[]> refused = put(worker.port(), "one-more", SMALL);
      assertThat(refused.statusCode()).as(Http.text(refused)).isEqualTo(409);
      assertThat(Http.text(refused))
          .contains("too_many_modules", "--max-modules", Integer.toString(limit));
      assertThat(http.get("/v1/modules/one-more").statusCode()).isEqualTo(404);

      HttpResponse<byte[]> replaced = put(worker.port(), "m0", ManyFunctions.module(2, 1));
      assertThat(replaced.statusCode()).as(Http.text(replaced)).isEqualTo(200);
      assertThat(http.send(delete(worker.port(), "m1")).statusCode()).isEqualTo(204);
      HttpResponse<byte[]> room = put(worker.port(), "one-more", SMALL);
      assertThat(room.statusCode()).as(Http.text(room)).isEqualTo(201);
    }
  }

  @Test
  void aModuleThatCompilesPastTheLimitIsRefusedAndNotKept() {
    // Large enough that no warm JVM compiles it within the 1 ms limit (50 functions did, late in a
    // long test run).
    byte[] large = ManyFunctions.module(2000, 10);
    StoreLimits tight = new StoreLimits(64, Duration.ofMillis(1));
    try (WorkerNode worker =
        WorkerConfig.builder(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), gemm())
            .modulesDir(Optional.empty())
            .models(ModelHosts.none())
            .moduleLimits(tight)
            .start()) {
      Http http = new Http(worker.port());
      HttpResponse<byte[]> refused = put(worker.port(), "large", large);
      assertThat(refused.statusCode()).as(Http.text(refused)).isEqualTo(422);
      assertThat(Http.text(refused)).contains("compile_timeout", "--max-compile-ms", "1 ms");
      assertThat(http.get("/v1/modules/large").statusCode()).isEqualTo(404);
      assertThat(Http.text(http.postJson("/rpc", Nodes.SEED))).contains(Nodes.SEED_ANSWER);
    }
    // The same bytes are a valid module: only its compile time was refused.
    try (WorkerNode worker =
        WorkerConfig.builder(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), gemm())
            .modulesDir(Optional.empty())
            .models(ModelHosts.none())
            .moduleLimits(new StoreLimits(64, Duration.ofMinutes(2)))
            .start()) {
      HttpResponse<byte[]> created = put(worker.port(), "large", large);
      assertThat(created.statusCode()).as(Http.text(created)).isEqualTo(201);
    }
  }

  private static ReferenceGemm gemm() {
    return new ReferenceGemm(1);
  }

  private static HttpResponse<byte[]> put(int port, String name, byte[] wasm) {
    return new Http(port)
        .send(
            HttpRequest.newBuilder(URI.create(Nodes.url(port) + "/v1/modules/" + name))
                .header("Content-Type", "application/wasm")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(wasm)));
  }

  private static HttpRequest.Builder delete(int port, String name) {
    return HttpRequest.newBuilder(URI.create(Nodes.url(port) + "/v1/modules/" + name)).DELETE();
  }

  /** Valid modules of many functions, each {@code i32.const 1} then {@code adds} additions. */
  static final class ManyFunctions {
    private ManyFunctions() {}

    static byte[] module(int functions, int adds) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
      section(out, 1, new byte[] {1, 0x60, 0, 1, 0x7f}); // one type: () -> i32
      ByteArrayOutputStream types = new ByteArrayOutputStream();
      leb(types, functions);
      for (int i = 0; i < functions; i++) {
        types.write(0);
      }
      section(out, 3, types.toByteArray());
      section(out, 7, new byte[] {1, 2, 'f', '0', 0, 0}); // export "f0" = function 0
      ByteArrayOutputStream code = new ByteArrayOutputStream();
      leb(code, functions);
      for (int i = 0; i < functions; i++) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0); // no locals
        body.writeBytes(new byte[] {0x41, 1}); // i32.const 1
        for (int a = 0; a < adds; a++) {
          body.writeBytes(new byte[] {0x41, 3, 0x6a}); // i32.const 3; i32.add
        }
        body.write(0x0b);
        leb(code, body.size());
        code.writeBytes(body.toByteArray());
      }
      section(out, 10, code.toByteArray());
      return out.toByteArray();
    }

    private static void section(ByteArrayOutputStream out, int id, byte[] content) {
      out.write(id);
      leb(out, content.length);
      out.writeBytes(content);
    }

    private static void leb(ByteArrayOutputStream out, int value) {
      int v = value;
      do {
        int b = v & 0x7f;
        v >>>= 7;
        out.write(v == 0 ? b : b | 0x80);
      } while (v != 0);
    }
  }
}
