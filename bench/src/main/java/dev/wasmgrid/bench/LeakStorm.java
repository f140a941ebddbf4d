package dev.wasmgrid.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Clients calling a module that leaks on a real worker process, at once, while the worker's
 * resident set ({@code VmRSS}) is sampled: before the load, its peak during it, and after it, when
 * it has fallen back under a bound or a time limit has passed (memory that goes back with retired
 * instances falls within moments; memory that waits for a garbage collection does not).
 */
public final class LeakStorm {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration SAMPLE = Duration.ofMillis(20);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
  private static final int FAILURES_KEPT = 5;

  /**
   * One call: {@code POST /v1/modules/{module}/call/{export}} with {@code body}, whose answer
   * {@code correct} checks.
   */
  public record Call(String export, String body, Predicate<JsonNode> correct) {}

  /** Makes the calls: the {@code index}th of client {@code client}. */
  @FunctionalInterface
  public interface Calls {
    /** The call to make. */
    Call call(int client, int index);
  }

  /**
   * What happened.
   *
   * @param calls calls made
   * @param failed calls that were not answered 200 or whose answer was wrong
   * @param failures the first few failures, for a message
   * @param beforeBytes the worker's resident set before the load
   * @param peakBytes the highest sampled during the load
   * @param afterBytes the last sampled after it
   * @param settled how long after the load the resident set took to fall within the bound (the
   *     limit when it did not)
   */
  public record Result(
      int calls,
      int failed,
      List<String> failures,
      long beforeBytes,
      long peakBytes,
      long afterBytes,
      Duration settled) {}

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final URI worker;
  private final long pid;

  /** A storm on the worker at {@code worker} (its base URL), process {@code pid}. */
  public LeakStorm(URI worker, long pid) {
    this.worker = worker;
    this.pid = pid;
  }

  /**
   * {@code clients} clients making {@code callsEach} calls each to {@code module}; then waits until
   * the worker's resident set is at most {@code bound} times what it was before, or {@code
   * settleLimit} has passed.
   */
  public Result run(
      String module, int clients, int callsEach, Calls calls, double bound, Duration settleLimit)
      throws InterruptedException {
    long before = residentBytes(pid);
    AtomicLong peak = new AtomicLong(before);
    AtomicBoolean loading = new AtomicBoolean(true);
    Thread sampler =
        Thread.ofPlatform()
            .daemon()
            .name("leak-storm-rss")
            .start(
                () -> {
                  while (loading.get()) {
                    peak.accumulateAndGet(residentBytes(pid), Math::max);
                    pause();
                  }
                });
    AtomicInteger failed = new AtomicInteger();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    ExecutorService threads = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        done.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < callsEach; i++) {
                    String failure = make(module, calls.call(client, i));
                    if (failure != null) {
                      failed.incrementAndGet();
                      if (failures.size() < FAILURES_KEPT) {
                        failures.add(failure);
                      }
                    }
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("a client failed: " + e.getCause(), e.getCause());
    } finally {
      threads.shutdownNow();
      loading.set(false);
      sampler.join();
    }
    long loadEnd = System.nanoTime();
    long deadline = loadEnd + settleLimit.toNanos();
    long after = residentBytes(pid);
    peak.accumulateAndGet(after, Math::max);
    while (after > bound * before && System.nanoTime() - deadline < 0) {
      pause();
      after = residentBytes(pid);
    }
    Duration settled = Duration.ofNanos(System.nanoTime() - loadEnd);
    return new Result(
        clients * callsEach,
        failed.get(),
        List.copyOf(failures),
        before,
        peak.get(),
        after,
        settled);
  }

  /**
   * Sends {@code method path} with {@code body} to the worker (a deployment, a policy, a setup
   * call) and returns its JSON answer.
   *
   * @throws IllegalStateException when it is not answered 2xx
   */
  public JsonNode send(String method, String path, String contentType, byte[] body)
      throws IOException, InterruptedException {
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(worker.resolve(path))
                .timeout(CALL_TIMEOUT)
                .header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          method + " " + path + ": " + answer.statusCode() + " " + answer.body());
    }
    return answer.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(answer.body());
  }

  /** The call made and checked: null when it was answered right, else what went wrong. */
  private String make(String module, Call call) {
    URI uri = worker.resolve("/v1/modules/" + module + "/call/" + call.export());
    try {
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(uri)
                  .timeout(CALL_TIMEOUT)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(call.body()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        return call.export() + ": " + answer.statusCode() + " " + answer.body();
      }
      return call.correct().test(JSON.readTree(answer.body()))
          ? null
          : call.export() + ": wrong answer " + answer.body();
    } catch (IOException e) {
      return call.export() + ": " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return call.export() + ": interrupted";
    }
  }

  /** The resident set ({@code VmRSS}) of process {@code pid}, in bytes. */
  public static long residentBytes(long pid) {
    try {
      for (String line :
          Files.readAllLines(
              Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
  }

  private static void pause() {
    try {
      Thread.sleep(SAMPLE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
