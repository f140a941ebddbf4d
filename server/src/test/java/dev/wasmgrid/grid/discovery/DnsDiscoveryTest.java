package dev.wasmgrid.grid.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.testing.WorkerList;
import dev.wasmgrid.worker.WorkerNode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@code dns:NAME:PORT} workers, over real HTTP. */
class DnsDiscoveryTest {

  @Test
  void dnsLocalhostFindsTheWorkerAndItGetsTheWork() {
    try (WorkerNode worker = Nodes.worker(0);
        CoordinatorNode coordinator =
            Nodes.coordinator(
                WorkerSources.parse(List.of("dns:localhost:" + worker.port())), Nodes.FAST)) {
      Http http = new Http(coordinator.port());
      JsonNode listed = WorkerList.find(http, Nodes.url(worker.port())).orElseThrow();
      assertThat(listed.get("source").asText()).isEqualTo("dns");
      assertThat(listed.get("state").asText()).isEqualTo("up");

      HttpResponse<byte[]> answer = http.postJson("/rpc", Nodes.SEED);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(Http.text(answer)).contains(Nodes.SEED_ANSWER);
      assertThat(Nodes.rpcServed(worker.port())).isEqualTo(1);

      JsonNode after = WorkerList.find(http, Nodes.url(worker.port())).orElseThrow();
      assertThat(after.get("calls").asLong()).isEqualTo(1);
      assertThat(after.get("consecutive_failures").asInt()).isZero();
      assertThat(after.get("inflight_blocks").asInt()).isZero();
      assertThat(after.get("last_seen").isTextual()).isTrue();
      assertThat(after.get("gflops").isNull()).isTrue();
      assertThat(after.get("bandwidth_mbps").isNull()).isTrue();
    }
  }

  @Test
  void theNameIsReResolvedAndAFailedLookupKeepsTheLastWorkers() throws UnknownHostException {
    InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    AtomicReference<InetAddress[]> answer = new AtomicReference<>(new InetAddress[0]);
    AtomicInteger lookups = new AtomicInteger();
    DnsDiscovery.Resolver resolver =
        name -> {
          lookups.incrementAndGet();
          InetAddress[] addresses = answer.get();
          if (addresses == null) {
            throw new UnknownHostException(name + ": simulated DNS failure");
          }
          return addresses;
        };
    try (WorkerNode worker = Nodes.worker(0);
        CoordinatorNode coordinator =
            Nodes.coordinator(
                new WorkerSources(
                    List.of(new DnsDiscovery("workers.test", worker.port(), resolver)), false),
                Nodes.FAST)) {
      Http http = new Http(coordinator.port());
      String url = Nodes.url(worker.port());
      assertThat(WorkerList.all(http)).isEmpty();
      assertThat(http.postJson("/rpc", Nodes.SEED).statusCode()).isEqualTo(503);

      answer.set(new InetAddress[] {loopback});
      Poll.until("the new address is listed", Duration.ofSeconds(5), () -> listed(http, url));
      assertThat(http.postJson("/rpc", Nodes.SEED).statusCode()).isEqualTo(200);

      answer.set(null);
      int before = lookups.get();
      Poll.until("two failed lookups", Duration.ofSeconds(5), () -> lookups.get() >= before + 2);
      assertThat(WorkerList.find(http, url)).isPresent();

      answer.set(new InetAddress[0]);
      Poll.until("the address is gone", Duration.ofSeconds(5), () -> !listed(http, url));
    }
  }

  private static boolean listed(Http http, String url) {
    return WorkerList.find(http, url).isPresent();
  }
}
