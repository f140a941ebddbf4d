package dev.wasmgrid.modules.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.modules.worker.StateStamp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which worker answers a module call count, and which ones it is tried again after. */
class CallPlacementTest {

  /** A worker answering every call with one status (0: unreachable), recording what it got. */
  static final class Fixed implements WorkerClient {
    final String name;
    int status;
    final String body;
    final List<String> targets = new ArrayList<>();

    /** The {@link StateStamp} value its answers carry; null for none. */
    String state;

    Fixed(String name, int status, String body) {
      this.name = name;
      this.status = status;
      this.body = body;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Reply call(String path, String contentType, byte[] body) throws IOException {
      throw new IOException("not used");
    }

    @Override
    public Reply exchange(String method, String target, String contentType, byte[] bytes)
        throws IOException {
      targets.add(method + " " + target);
      if (status == 0) {
        throw new ConnectException("refused");
      }
      Reply reply = Reply.json(status, body);
      return state == null ? reply : reply.withHeader(StateStamp.HEADER, state);
    }
  }

  final ModuleRegistry registry = new ModuleRegistry();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  CallPlacement calls(List<WorkerClient> workers) {
    workers.forEach(w -> registry.holds(w.name(), "m", "sha"));
    return new CallPlacement(
        () -> workers, registry, new ModuleDistributor(() -> workers, registry), meters);
  }

  double counted(String worker, String outcome) {
    return meters.counter("wasmgrid.module.calls", "worker", worker, "outcome", outcome).count();
  }

  @Test
  void anUnreachableWorkerIsSkippedForTheNext() {
    Fixed dead = new Fixed("dead", 0, "");
    Fixed live = new Fixed("live", 200, "{\"results\":[1]}");
    CallPlacement calls = calls(List.of(dead, live));
    for (int i = 0; i < 4; i++) {
      Reply reply = calls.call("m", "f", "application/json", new byte[0]);
      assertThat(reply.status()).isEqualTo(200);
    }
    assertThat(live.targets).hasSize(4).allMatch(t -> t.equals("POST /v1/modules/m/call/f"));
    assertThat(dead.targets).isNotEmpty();
    assertThat(counted("dead", "unreachable")).isEqualTo(dead.targets.size());
    assertThat(counted("live", "ok")).isEqualTo(4);
  }

  @Test
  void aWorkersErrorAnswerIsRelayedAndNotTriedElsewhere() {
    Fixed trapping = new Fixed("a", 422, "{\"error\":{\"code\":\"trap\",\"message\":\"boom\"}}");
    Fixed other = new Fixed("b", 422, "{\"error\":{\"code\":\"trap\",\"message\":\"boom\"}}");
    CallPlacement calls = calls(List.of(trapping, other));
    Reply reply = calls.call("m", "boom", "", new byte[0]);
    assertThat(reply.status()).isEqualTo(422);
    assertThat(reply.text()).contains("\"trap\"");
    assertThat(trapping.targets.size() + other.targets.size()).isEqualTo(1);
  }

  @Test
  void busyWorkersAndOnesThatLostTheModuleAreSkipped() {
    Fixed busy = new Fixed("busy", 503, "{\"error\":{\"code\":\"too_many_instances\"}}");
    Fixed lost = new Fixed("lost", 404, "{\"error\":{\"code\":\"module_not_found\"}}");
    Fixed live = new Fixed("live", 200, "{\"results\":[]}");
    CallPlacement calls = calls(List.of(busy, lost, live));
    for (int i = 0; i < 3; i++) {
      assertThat(calls.call("m", "f", "", new byte[0]).status()).isEqualTo(200);
    }
    assertThat(live.targets).hasSize(3);
    // The worker that answered module_not_found is no longer taken for a holder.
    assertThat(lost.targets).hasSize(1);
    assertThat(registry.holding("lost", "m")).isFalse();
  }

  @Test
  void withEveryHolderBusyTheLastBusyAnswerIsRelayed() {
    Fixed busy = new Fixed("busy", 503, "{\"error\":{\"code\":\"too_many_instances\"}}");
    CallPlacement calls = calls(List.of(busy));
    assertThat(calls.call("m", "f", "", new byte[0]).status()).isEqualTo(503);
  }

  @Test
  void withNoHolderTheCallFailsClearly() {
    Fixed dead = new Fixed("dead", 0, "");
    CallPlacement calls = calls(List.of(dead));
    assertThatThrownBy(() -> calls.call("m", "f", "", new byte[0]))
        .isInstanceOfSatisfying(
            Failure.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Failure.Kind.UNAVAILABLE);
              assertThat(e.code()).isEqualTo("no_worker_available");
            });
    // Known to the coordinator but held by no worker: 503 no_worker_with_module.
    registry.deployed("known", new byte[] {1}, "application/wasm", "", "sha");
    assertThatThrownBy(() -> calls.call("known", "f", "", new byte[0]))
        .isInstanceOfSatisfying(
            Failure.class, e -> assertThat(e.code()).isEqualTo("no_worker_with_module"));
    assertThatThrownBy(() -> calls.call("unknown", "f", "", new byte[0]))
        .isInstanceOfSatisfying(
            Failure.class, e -> assertThat(e.code()).isEqualTo("module_not_found"));
  }

  @Test
  void aStatefulModulesCallsStayOnOneWorkerUnlessItIsUnreachable() {
    Fixed b = new Fixed("b", 200, "{\"results\":[]}");
    Fixed a = new Fixed("a", 503, "{\"error\":{\"code\":\"module_failed\"}}");
    CallPlacement calls = calls(List.of(b, a));
    registry.stateful("a", "m", true);
    for (int i = 0; i < 3; i++) {
      // Its state is on a: a's 503 is the answer, not a reason to go where the state is not.
      assertThat(calls.call("m", "f", "", new byte[0]).status()).isEqualTo(503);
    }
    assertThat(a.targets).hasSize(3);
    assertThat(b.targets).isEmpty();

    Fixed dead = new Fixed("a", 0, "");
    Fixed live = new Fixed("b", 200, "{\"results\":[]}");
    CallPlacement failover = calls(List.of(live, dead));
    registry.stateful("a", "m", true);
    assertThat(failover.call("m", "f", "", new byte[0]).status()).isEqualTo(200);
    assertThat(dead.targets).hasSize(1);
    assertThat(live.targets).hasSize(1);
  }

  @Test
  void anAnswerUnderAnotherStateEpochIsStateLostUntilTheStateIsBuiltAgain() {
    Fixed a = new Fixed("a", 200, "{\"results\":[1]}");
    Fixed b = new Fixed("b", 200, "{\"results\":[1]}");
    CallPlacement calls = calls(List.of(b, a));
    registry.stateful("a", "m", true);
    a.state = "e1;built";
    assertThat(calls.call("m", "setup", "", new byte[0]).status()).isEqualTo(200);
    a.state = "e1";
    assertThat(calls.call("m", "prove", "", new byte[0]).status()).isEqualTo(200);

    // The same worker, restarted: same URL, empty state.
    a.state = "e2";
    assertThatThrownBy(() -> calls.call("m", "prove", "", new byte[0]))
        .isInstanceOfSatisfying(
            Failure.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Failure.Kind.CONFLICT);
              assertThat(e.code()).isEqualTo("state_lost");
              assertThat(e.getMessage()).contains("worker a").contains("the same worker");
            });
    assertThat(counted("a", "state_lost")).isEqualTo(1);
    a.state = "e2;built";
    assertThat(calls.call("m", "setup", "", new byte[0]).status()).isEqualTo(200);
    a.state = "e2";
    assertThat(calls.call("m", "prove", "", new byte[0]).status()).isEqualTo(200);

    // a goes away: b answers under its own epoch, refused, until the state is built on b...
    a.status = 0;
    b.state = "e3";
    assertThatThrownBy(() -> calls.call("m", "prove", "", new byte[0]))
        .isInstanceOfSatisfying(
            Failure.class, e -> assertThat(e.getMessage()).contains("worker a", "worker b"));
    b.state = "e3;built";
    assertThat(calls.call("m", "setup", "", new byte[0]).status()).isEqualTo(200);
    // ...where the calls then stay, though a (first by name) is back.
    a.status = 200;
    b.state = "e3";
    int onA = a.targets.size();
    assertThat(calls.call("m", "prove", "", new byte[0]).status()).isEqualTo(200);
    assertThat(a.targets).hasSize(onA);
  }

  @Test
  void anExportNameIsPercentEncodedInTheWorkersPath() {
    Fixed live = new Fixed("live", 200, "{\"results\":[]}");
    calls(List.of(live)).call("m", "a b/é", "", new byte[0]);
    assertThat(live.targets).containsExactly("POST /v1/modules/m/call/a%20b%2F%C3%A9");
  }
}
