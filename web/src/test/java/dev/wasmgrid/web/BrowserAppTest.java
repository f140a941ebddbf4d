package dev.wasmgrid.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.wasm.WasmModules;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The app in headless Chromium, served by a real coordinator (in-process worker, reference kernel)
 * from this module's build output, and held against the JVM's reference kernel bit for bit.
 */
class BrowserAppTest extends PageTest {
  @SuppressWarnings("unchecked")
  private Map<String, Object> lastRun(Browsers.Watched w) {
    return (Map<String, Object>) w.page.evaluate("() => window.lastRun");
  }

  @Test
  void thePageLoadsWithoutErrors() {
    Browsers.Watched w = open("#cluster");
    PlaywrightAssertions.assertThat(w.page.locator("#cluster-status")).containsText("worker(s)");
    PlaywrightAssertions.assertThat(w.page.locator("#status")).hasText("ready");
    w.assertClean();
  }

  @Test
  void wasmInTheBrowserEqualsTheJvmBitForBit() {
    Browsers.Watched w = open("?mode=browser&n=96&seed=3");
    w.run();

    Map<String, Object> run = lastRun(w);
    assertThat(run).containsEntry("where", "browser").containsEntry("backend", "wasm");
    assertThat(w.resultBits()).isEqualTo(Operands.bits(Operands.product64(96, 3)));
    assertThat(((Number) run.get("checksum")).doubleValue())
        .isEqualTo(Operands.checksum(Operands.product64(96, 3)));
    assertThat(((Number) run.get("workers")).intValue()).isGreaterThanOrEqualTo(2);
    // Every pool worker really started, each with the wasm build.
    assertThat(w.workers).hasSizeGreaterThanOrEqualTo(2).allMatch(u -> u.endsWith("impl=wasm"));
    PlaywrightAssertions.assertThat(w.page.locator("#path"))
        .containsText("wasm (WasmGC supported), " + run.get("workers") + " Web Workers");
    assertThat(w.screenshot("wasm-f64")).isNotEmptyFile();
    w.assertClean();
  }

  @Test
  void theJavaScriptBuildGivesTheSameBits() {
    Browsers.Watched w = open("?impl=js&mode=browser&n=80&seed=2");
    w.run();

    assertThat(lastRun(w)).containsEntry("backend", "js");
    assertThat(w.resultBits()).isEqualTo(Operands.bits(Operands.product64(80, 2)));
    assertThat(w.workers).hasSizeGreaterThanOrEqualTo(2).allMatch(u -> u.endsWith("impl=js"));
    assertThat(w.screenshot("js-f64")).isNotEmptyFile();
    w.assertClean();
  }

  @Test
  void serverModeComputesOnTheCoordinator() {
    Browsers.Watched w = open("?mode=server&n=100&seed=5");
    w.run();

    Map<String, Object> run = lastRun(w);
    assertThat(run).containsEntry("where", "server");
    assertThat(((Number) run.get("checksum")).doubleValue())
        .isEqualTo(Operands.checksum(Operands.product64(100, 5)));
    assertThat(w.resultBits()).isEqualTo(Operands.bits(Operands.product64(100, 5)));
    // It ran as a job whose progress the page followed on the event stream.
    assertThat(((Number) run.get("events")).intValue()).isPositive();
    PlaywrightAssertions.assertThat(w.page.locator("#path")).containsText("/v1/jobs/matmul");
    assertThat(w.page.request().get(session.url("v1/jobs")).text())
        .containsPattern("\"m\":100,\"k\":100,\"n\":100[^}]*\"blocks_done\":1");
    w.assertClean();
  }

  @Test
  void withoutWasmGcTheJavaScriptBuildIsChosenAndSaysWhy() {
    watched = new Browsers.Watched(browser);
    // Chromium cannot be started without WasmGC any more; the page's feature test is made to fail.
    watched.page.addInitScript("WebAssembly.validate = () => false;");
    watched.page.navigate(session.url("?mode=browser&impl=auto&n=64&seed=6"));
    watched.run();

    assertThat(lastRun(watched)).containsEntry("backend", "js");
    PlaywrightAssertions.assertThat(watched.page.locator("#path"))
        .containsText("no WasmGC in this browser, JavaScript build");
    assertThat(watched.resultBits()).isEqualTo(Operands.bits(Operands.product64(64, 6)));
    assertThat(watched.workers).allMatch(u -> u.endsWith("impl=js"));
    watched.assertClean();
  }

  @Test
  void theServerChecksumMatchesTheBrowsersOwn() {
    Browsers.Watched w = open("?mode=browser&n=64&seed=7");
    w.run();
    w.page.locator("#compare").click();

    PlaywrightAssertions.assertThat(w.page.locator("#server-checksum")).containsText("identical");
    assertThat(((Number) w.page.evaluate("() => window.lastServerChecksum")).doubleValue())
        .isEqualTo(Operands.checksum(Operands.product64(64, 7)));
    w.assertClean();
  }

  @Test
  void withoutWebGpuF32FallsBackToWasmAndSaysWhy() {
    Browsers.Watched w = open("?impl=webgpu&dtype=f32&mode=browser&n=72&seed=4");
    w.run();

    assertThat(lastRun(w)).containsEntry("backend", "wasm").containsEntry("dtype", "f32");
    PlaywrightAssertions.assertThat(w.page.locator("#path")).containsText("no WebGPU");
    float[] expected = Operands.product32(72, 4);
    double[] widened = new double[expected.length];
    for (int i = 0; i < expected.length; i++) {
      widened[i] = expected[i];
    }
    // f32 arithmetic is IEEE on both sides, so even f32 agrees bit for bit.
    assertThat(w.resultBits()).isEqualTo(Operands.bits(widened));
    w.assertClean();
  }

  @Test
  void autoModeKeepsSmallProductsInTheBrowserAndSaysWhy() {
    Browsers.Watched w = open("?mode=auto&n=64&seed=1");
    w.run();

    assertThat(lastRun(w)).containsEntry("where", "browser");
    PlaywrightAssertions.assertThat(w.page.locator("#path")).containsText("auto: n=64 < 512");
    assertThat(w.resultBits()).isEqualTo(Operands.bits(Operands.product64(64, 1)));
    w.assertClean();
  }

  @Test
  void theClusterPanelListsTheInProcessWorker() {
    Browsers.Watched w = open("#cluster");
    PlaywrightAssertions.assertThat(w.page.locator("#workers tr").first())
        .containsText("in-process");
    PlaywrightAssertions.assertThat(w.page.locator("#workers tr").first()).containsText("up");
    w.assertClean();
  }

  @Test
  void theClusterPanelShowsAStatefulModulesSwaps() throws Exception {
    // HTTP/1.1: the JDK client's default h2c upgrade does not carry a request body.
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String base = "http://127.0.0.1:" + session.coordinator.port() + "/v1/modules/panelprover";
    assertThat(
            send(
                http,
                HttpRequest.newBuilder(URI.create(base))
                    .header("Content-Type", "application/wasm")
                    .PUT(
                        HttpRequest.BodyPublishers.ofByteArray(
                            WasmModules.bundledBytes("prover")))))
        .isIn(200, 201);
    assertThat(
            send(
                http,
                HttpRequest.newBuilder(URI.create(base + "/recycling"))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"state_exports\":[\"setup\"]}"))))
        .isEqualTo(200);
    assertThat(
            send(
                http,
                HttpRequest.newBuilder(URI.create(base + "/call/setup"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"args\":[1]}"))))
        .isEqualTo(200);
    assertThat(
            send(
                http,
                HttpRequest.newBuilder(URI.create(base + "/recycle"))
                    .POST(HttpRequest.BodyPublishers.noBody())))
        .isEqualTo(200);
    try {
      Browsers.Watched w = open("#cluster");
      var row = w.page.locator("#modules tr[data-module=panelprover]");
      // module, worker, instances, memory MiB, in flight, generation, swaps, failed, mismatches
      PlaywrightAssertions.assertThat(row.locator("td").nth(5)).hasText("2");
      PlaywrightAssertions.assertThat(row.locator("td").nth(6)).hasText("1");
      PlaywrightAssertions.assertThat(row.locator("td").nth(7)).hasText("0");
      w.assertClean();
    } finally {
      send(http, HttpRequest.newBuilder(URI.create(base)).DELETE());
    }
  }

  private static int send(HttpClient http, HttpRequest.Builder request) throws Exception {
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() >= 300) {
      System.err.println("answer: " + response.statusCode() + " " + response.body());
    }
    return response.statusCode();
  }

  @Test
  void theTokenIsAskedForOnceKeptOverAReloadAndUsedByEveryView() {
    try (CoordinatorNode guarded =
        CoordinatorNode.start(
            new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of("s3cret")),
            List.of(),
            Duration.ofSeconds(30),
            new ReferenceGemm(1))) {
      watched = new Browsers.Watched(browser);
      Browsers.Watched w = watched;
      String base = "http://127.0.0.1:" + guarded.port() + "/";
      w.page.navigate(base + "?mode=server&n=48&seed=9#cluster");
      // The files need no token, the API does: before one is given, the lists say so, once.
      PlaywrightAssertions.assertThat(w.page.locator("#cluster-status"))
          .containsText("token required");
      PlaywrightAssertions.assertThat(w.page.locator("#token-state")).hasText("token required");
      // Two polling periods: a page that kept polling would have asked again by now.
      w.page.waitForTimeout(4500);
      assertThat(w.failedRequests)
          .as("one refused call per list, no polling")
          .hasSizeLessThanOrEqualTo(2)
          .allMatch(
              r -> r.endsWith("/v1/workers HTTP 401") || r.endsWith("/v1/jobs HTTP 401"), "401s");

      w.page.locator("#token").fill("s3cret");
      w.page.locator("#token-set").click();
      PlaywrightAssertions.assertThat(w.page.locator("#workers tr").first())
          .containsText("in-process");
      // A reload keeps the token (session storage); the matmul view's server job uses it.
      w.page.reload();
      w.page.locator("nav a[href='#matmul']").click();
      PlaywrightAssertions.assertThat(w.page.locator("#token")).hasValue("s3cret");
      w.run();
      assertThat(((Number) lastRun(w).get("checksum")).doubleValue())
          .isEqualTo(Operands.checksum(Operands.product64(48, 9)));
      assertThat(w.pageErrors).as("uncaught errors").isEmpty();
      assertThat(w.failedRequests)
          .as("nothing refused after the token")
          .hasSizeLessThanOrEqualTo(2);
      assertThat(w.consoleErrors).allMatch(e -> e.contains("401"), "only the 401s");
    }
  }
}
