package dev.wasmgrid.cli;

import dev.wasmgrid.http.CorsPolicy;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ReadTimeouts;
import dev.wasmgrid.http.ServerSettings;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Options shared by every command that runs a server. */
final class ServerOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--host",
      defaultValue = "0.0.0.0",
      description = "Address to listen on (default: ${DEFAULT-VALUE}, every interface).")
  String host;

  @Option(
      names = "--max-body",
      defaultValue = "64MiB",
      converter = ByteSize.class,
      description =
          "Largest request body accepted; 413 above it. A binary product's body may instead"
              + " hold two f64 matrices of --max-dim squared (default: ${DEFAULT-VALUE}).")
  long maxBody;

  @Option(
      names = "--max-dim",
      defaultValue = "8192",
      description =
          "Largest number of rows or columns of any matrix; 413 above it. Also bounds the body"
              + " of a binary product (default: ${DEFAULT-VALUE}).")
  int maxDimension;

  @Option(
      names = "--max-concurrent",
      defaultValue = "256",
      description = "Requests served at once; more get 503 (default: ${DEFAULT-VALUE}).")
  int maxConcurrent;

  @Option(
      names = "--header-timeout",
      defaultValue = "PT10S",
      description =
          "Longest a request's headers may take to arrive after its request line; 408 after it"
              + " (default: ${DEFAULT-VALUE}).")
  Duration headerTimeout;

  @Option(
      names = "--body-timeout",
      defaultValue = "PT30S",
      description =
          "Longest the server waits for the next byte of a request body; 408 and the connection"
              + " closed after it (default: ${DEFAULT-VALUE}).")
  Duration bodyTimeout;

  @Option(
      names = "--idle-timeout",
      defaultValue = "PT5M",
      description =
          "Longest a connection stays open without a request (default: ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Option(
      names = "--body-memory",
      converter = ByteSize.class,
      description =
          "Memory all request bodies in flight may hold at once, a binary product's operands"
              + " included; a body that finds no room gets 503 with Retry-After (default: half"
              + " the max heap).")
  Long bodyMemory;

  @Option(
      names = "--threads",
      description =
          "Threads per multiplication, and of each model, whose --model-slots generations share"
              + " its passes (default: all cores for a multiplication, one per core up to 8 for a"
              + " model).")
  Integer threads;

  @Option(
      names = "--token",
      defaultValue = "${env:WASMGRID_TOKEN}",
      description =
          "Shared secret required as 'Authorization: Bearer <token>' on every route but the health"
              + " probes, and sent to workers (default: the WASMGRID_TOKEN environment variable;"
              + " prefer it, a flag shows in ps).")
  String token;

  @Option(
      names = "--cors-origin",
      defaultValue = "*",
      paramLabel = "ORIGIN[,ORIGIN...]",
      description =
          "Web origins whose pages may call this node from a browser, e.g."
              + " http://coordinator:8080; * for any (default: ${DEFAULT-VALUE}).")
  String corsOrigins;

  @Option(
      names = "--drain-timeout",
      defaultValue = "PT25S",
      description =
          "On SIGTERM, how long work in progress may take to finish: readiness goes false and new"
              + " requests get 503 at once, then requests in service (and a coordinator's jobs)"
              + " get this long before the process exits. Within Kubernetes' default grace"
              + " period of 30 s (default: ${DEFAULT-VALUE}).")
  Duration drainTimeout;

  ServerSettings settings(int port) {
    if (drainTimeout.isNegative()) {
      throw new ParameterException(
          spec.commandLine(), "--drain-timeout must be >= 0, got " + drainTimeout);
    }
    CorsPolicy cors;
    try {
      cors = CorsPolicy.parse(corsOrigins);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--cors-origin: " + e.getMessage());
    }
    ReadTimeouts timeouts;
    try {
      timeouts = new ReadTimeouts(headerTimeout, bodyTimeout, idleTimeout);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(),
          "--header-timeout, --body-timeout and --idle-timeout must be at least PT0.001S: "
              + e.getMessage());
    }
    Limits limits = new Limits(maxBody, maxDimension, maxConcurrent).withTimeouts(timeouts);
    return new ServerSettings(
        host,
        port,
        bodyMemory == null ? limits : limits.withBodyMemory(bodyMemory),
        Optional.ofNullable(token).filter(t -> !t.isBlank()),
        cors);
  }

  int threads() {
    return threads == null ? Runtime.getRuntime().availableProcessors() : threads;
  }

  /** {@code --threads} as given, or null when left to each use's default. */
  Integer threadsGiven() {
    return threads;
  }
}
