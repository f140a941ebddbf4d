package dev.wasmgrid.bench.devtools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.bench.Trees;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's Chromium ({@code /usr/bin/chromium}, or {@code -Dchromium.path}) run headless and driven
 * over the Chrome DevTools Protocol with the JDK's WebSocket client alone, so that no browser
 * driver sits on the runtime class path. Each instance has its own temporary profile, deleted on
 * {@link #close}, which also ends the browser and every process it started.
 */
public final class HeadlessChromium implements AutoCloseable {
  /** The browser binary. */
  public static final Path PATH = Path.of(System.getProperty("chromium.path", "/usr/bin/chromium"));

  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration ANSWER = Duration.ofSeconds(30);
  private static final Duration EXIT = Duration.ofSeconds(10);
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
  private static final int ERROR_LINES = 20;

  private final Process process;
  private final Path profile;
  private final HttpClient client;
  private final DevToolsSocket browser;
  private final URI endpoint;

  private HeadlessChromium(Process process, Path profile, HttpClient client, String endpoint) {
    this.process = process;
    this.profile = profile;
    this.client = client;
    this.endpoint = URI.create(endpoint);
    this.browser = DevToolsSocket.open(endpoint, client, ANSWER);
  }

  /**
   * Starts the browser with extra {@code args}.
   *
   * @throws IllegalStateException when there is no Chromium, or it does not start within a minute
   */
  public static HeadlessChromium start(List<String> args) {
    if (!Files.isExecutable(PATH)) {
      throw new IllegalStateException(
          "no Chromium at " + PATH + ": apt-get install -y chromium, or set -Dchromium.path");
    }
    Path profile;
    Process process;
    try {
      profile = Files.createTempDirectory("wasmgrid-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a Chromium profile directory", e);
    }
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command(profile, args))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD);
      // Chromium keeps its single-instance socket in a directory of its own under TMPDIR, which
      // it leaves behind when it is stopped; under the profile it goes with the profile.
      builder.environment().put("TMPDIR", profile.toString());
      process = builder.start();
    } catch (IOException e) {
      Trees.delete(profile);
      throw new UncheckedIOException("cannot start " + PATH, e);
    }
    HttpClient client = HttpClient.newHttpClient();
    try {
      return new HeadlessChromium(process, profile, client, endpoint(process));
    } catch (RuntimeException e) {
      client.shutdownNow();
      end(process);
      Trees.delete(profile);
      throw e;
    }
  }

  /** Opens a new, blank tab. */
  public DevToolsPage newPage() {
    JsonNode target =
        browser.call(
            "Target.createTarget", DevToolsSocket.params().put("url", "about:blank"), ANSWER);
    String id = target.path("targetId").asText();
    String url = "ws://" + endpoint.getRawAuthority() + "/devtools/page/" + id;
    return new DevToolsPage(
        DevToolsSocket.open(url, client, ANSWER),
        () ->
            browser.call(
                "Target.closeTarget", DevToolsSocket.params().put("targetId", id), ANSWER));
  }

  @Override
  public void close() {
    try {
      browser.close();
      client.shutdownNow();
      end(process);
    } finally {
      Trees.delete(profile);
    }
  }

  private static List<String> command(Path profile, List<String> args) {
    return Stream.concat(
            Stream.of(
                PATH.toString(),
                "--headless",
                // Playwright's default too: the sandbox needs privileges a container or root lacks.
                "--no-sandbox",
                "--remote-debugging-port=0",
                "--user-data-dir=" + profile,
                "--no-first-run",
                "--no-default-browser-check",
                // A page nobody looks at must not be slowed down while it is measured.
                "--disable-background-timer-throttling",
                "--disable-backgrounding-occluded-windows",
                "--disable-renderer-backgrounding"),
            Stream.concat(args.stream(), Stream.of("about:blank")))
        .toList();
  }

  /**
   * The browser's WebSocket address, from the line Chromium writes to stderr once it listens; its
   * stderr keeps being read afterwards so that the browser never blocks on a full pipe.
   */
  private static String endpoint(Process process) {
    CompletableFuture<String> found = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("chromium-stderr")
        .start(
            () -> {
              Deque<String> last = new ArrayDeque<>();
              try (BufferedReader err =
                  new BufferedReader(
                      new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = err.readLine(); line != null; line = err.readLine()) {
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    found.complete(m.group(1));
                  }
                  if (!found.isDone()) {
                    last.addLast(line);
                    if (last.size() > ERROR_LINES) {
                      last.removeFirst();
                    }
                  }
                }
              } catch (IOException e) {
                found.completeExceptionally(e);
              }
              found.completeExceptionally(
                  new IllegalStateException(
                      "Chromium ended before listening for DevTools: " + String.join("\n", last)));
            });
    try {
      return found.get(START.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Chromium did not listen for DevTools within " + START + " (" + PATH + ")", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting Chromium", e);
    }
  }

  /** Ends the browser and all it started (renderers, GPU process, crash handler). */
  private static void end(Process process) {
    List<ProcessHandle> all =
        Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle handle : all) {
      try {
        handle.onExit().get(EXIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException(
            "Chromium process " + handle.pid() + " did not end within " + EXIT, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while ending Chromium", e);
      }
    }
  }
}
