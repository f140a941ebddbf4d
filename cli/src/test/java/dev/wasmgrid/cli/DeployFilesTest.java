package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The files in {@code deploy/} checked against the code they run, since no Docker engine or cluster
 * is at hand: every command line parses with the real CLI, ports agree between commands, published
 * ports, containers, Services and {@code EXPOSE}, every probe path is a route a real server answers
 * with 200, the image starts the JVM the way {@code ./wasmgrid} does, and each Kubernetes
 * Deployment's container starts and gets ready as its manifest runs it.
 */
class DeployFilesTest {
  static final Path ROOT = repositoryRoot();
  static final Path DEPLOY = ROOT.resolve("deploy");
  static final ObjectMapper YAML = new YAMLMapper();
  static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern WHITESPACE = Pattern.compile("\\s+");
  static final Pattern COMMA = Pattern.compile(",");
  static final Pattern COLON = Pattern.compile(":");
  static final Pattern HTTP_URL = Pattern.compile("http://[^/:\\s\"']+:([^/\\s\"']+)(/[^\\s\"']*)");
  static final Pattern DNS_WORKERS = Pattern.compile("dns:([a-z0-9.-]+):(\\d+)");

  /** A server command line as the real CLI parses it: command name, --port, --workers. */
  record Invocation(String command, int port, List<String> workers, Duration drainTimeout) {}

  /**
   * What stopping a JVM takes beyond its drain: closing the node (a job runner may take up to 10 s
   * to notice it is abandoned) and exiting.
   */
  static final Duration STOP_MARGIN = Duration.ofSeconds(10);

  /** One Dockerfile instruction, its continuation lines joined. */
  record Instruction(String keyword, String arguments) {}

  @Test
  void composeRunsTwoWorkersOn8081And8082AndACoordinatorThatUsesBoth() throws IOException {
    JsonNode services = YAML.readTree(DEPLOY.resolve("compose.yaml").toFile()).path("services");
    Map<String, Invocation> invocations = new HashMap<>();
    Set<String> probes = new TreeSet<>();
    for (Map.Entry<String, JsonNode> entry : services.properties()) {
      String name = entry.getKey();
      JsonNode service = entry.getValue();
      Invocation invocation = parse(strings(service.path("command")), "compose " + name);
      invocations.put(name, invocation);

      Path dockerfile =
          DEPLOY
              .resolve(service.path("build").path("context").asText())
              .resolve(service.path("build").path("dockerfile").asText());
      assertThat(dockerfile.normalize()).as("compose %s builds", name).isEqualTo(dockerfile());

      List<Integer> published = new ArrayList<>();
      for (JsonNode mapping : service.path("ports")) {
        List<String> parts = COLON.splitAsStream(mapping.asText()).toList();
        published.add(Integer.parseInt(parts.getLast()));
      }
      assertThat(published)
          .as("compose %s publishes the --port its command listens on", name)
          .containsExactly(invocation.port());

      Matcher health = HTTP_URL.matcher(String.join(" ", strings(service.path("healthcheck"))));
      assertThat(health.find()).as("compose %s has an HTTP healthcheck", name).isTrue();
      assertThat(Integer.parseInt(health.group(1)))
          .as("compose %s health-checks its own --port", name)
          .isEqualTo(invocation.port());
      probes.add(health.group(2));

      // docker stop's own default is 10 s, less than a drain.
      Duration grace = Duration.parse("PT" + service.path("stop_grace_period").asText("10s"));
      assertThat(grace)
          .as("compose %s stop_grace_period outlasts its --drain-timeout", name)
          .isGreaterThanOrEqualTo(invocation.drainTimeout().plus(STOP_MARGIN));
    }
    assertServedWith200(probes);

    Map<String, Integer> workers = new HashMap<>();
    invocations.forEach(
        (name, invocation) -> {
          if (invocation.command().equals("worker")) {
            workers.put(name, invocation.port());
          }
        });
    assertThat(new TreeSet<>(workers.values())).containsExactly(8081, 8082);

    List<String> coordinators =
        invocations.keySet().stream()
            .filter(name -> invocations.get(name).command().equals("serve"))
            .toList();
    assertThat(coordinators).hasSize(1);
    String coordinator = coordinators.getFirst();
    Map<String, Integer> used = new HashMap<>();
    for (String worker : invocations.get(coordinator).workers()) {
      URI url = URI.create(worker);
      assertThat(url.getScheme()).as(worker).isEqualTo("http");
      used.put(url.getHost(), url.getPort());
    }
    assertThat(used).as("--workers names every worker service at its --port").isEqualTo(workers);
    for (String worker : workers.keySet()) {
      assertThat(
              services.path(coordinator).path("depends_on").path(worker).path("condition").asText())
          .as("the coordinator waits for %s to be healthy", worker)
          .isEqualTo("service_healthy");
    }
  }

  @Test
  void kubernetesManifestsAgreeWithTheCliAndWithEachOther() throws IOException {
    Map<String, JsonNode> deployments = new HashMap<>();
    Map<String, JsonNode> services = new HashMap<>();
    List<JsonNode> policies = new ArrayList<>();
    for (JsonNode manifest : kubernetesManifests()) {
      String name = manifest.path("metadata").path("name").asText();
      switch (manifest.path("kind").asText()) {
        case "Deployment" -> deployments.put(name, manifest);
        case "Service" -> services.put(name, manifest);
        case "NetworkPolicy", "PodDisruptionBudget" -> policies.add(manifest);
        default -> throw new AssertionError("unexpected kind in deploy/k8s: " + manifest);
      }
    }
    assertThat(deployments).containsOnlyKeys("wasmgrid-coordinator", "wasmgrid-worker");
    assertThat(services).containsOnlyKeys("wasmgrid-coordinator", "wasmgrid-worker");
    KubernetesPolicies.check(deployments, policies);

    Map<String, Invocation> invocations = new HashMap<>();
    Set<String> probes = new TreeSet<>();
    deployments.forEach(
        (name, deployment) -> invocations.put(name, checkDeployment(deployment, probes)));
    assertServedWith200(probes);
    assertThat(invocations.get("wasmgrid-worker").command()).isEqualTo("worker");
    assertThat(invocations.get("wasmgrid-coordinator").command()).isEqualTo("serve");

    services.forEach(
        (name, service) -> {
          JsonNode spec = service.path("spec");
          List<String> selected =
              deployments.keySet().stream()
                  .filter(d -> selects(spec.path("selector"), podLabels(deployments.get(d))))
                  .toList();
          assertThat(selected).as("Service %s selects one Deployment", name).hasSize(1);
          JsonNode container = onlyContainer(deployments.get(selected.getFirst()));
          int listening = invocations.get(selected.getFirst()).port();
          for (JsonNode port : spec.path("ports")) {
            assertThat(containerPort(container, port.path("targetPort")))
                .as("Service %s targets the --port its pods listen on", name)
                .isEqualTo(listening);
            if (isHeadless(service)) {
              // Clients of a headless Service dial the pods' addresses directly.
              assertThat(port.path("port").asInt())
                  .as("headless %s port", name)
                  .isEqualTo(listening);
            }
          }
        });
    assertThat(isHeadless(services.get("wasmgrid-worker"))).isTrue();
    assertThat(isHeadless(services.get("wasmgrid-coordinator"))).isFalse();

    List<String> workers = invocations.get("wasmgrid-coordinator").workers();
    assertThat(workers).isNotEmpty();
    for (String worker : workers) {
      Matcher dns = DNS_WORKERS.matcher(worker);
      assertThat(dns.matches()).as("%s is dns:NAME:PORT", worker).isTrue();
      JsonNode service = services.get(dns.group(1));
      assertThat(service).as("%s names a Service", worker).isNotNull();
      assertThat(isHeadless(service))
          .as("%s: only a headless Service resolves to every worker", worker)
          .isTrue();
      assertThat(service.path("spec").path("ports").findValuesAsText("port"))
          .as("%s: the Service has that port", worker)
          .contains(dns.group(2));
    }
  }

  /**
   * Each Deployment's container started as a process the way its manifest runs it: its args and
   * env, its volumes, and nothing writable elsewhere (see {@link ManifestPod}). Reading the files
   * could not show that a worker's default {@code --modules-dir} under a read-only home ends it
   * with exit 2 at every start.
   */
  @Test
  void everyKubernetesDeploymentStartsAsItsManifestRunsItAndGetsReady(@TempDir Path scratch)
      throws Exception {
    for (JsonNode manifest : kubernetesManifests()) {
      if (!manifest.path("kind").asText().equals("Deployment")) {
        continue;
      }
      String name = manifest.path("metadata").path("name").asText();
      ManifestPod.Plan plan =
          ManifestPod.plan(manifest, Files.createDirectory(scratch.resolve(name)));
      try (LocalCluster pod = ManifestPod.launcher(plan);
          HttpClient http = HttpClient.newHttpClient()) {
        LocalCluster.Node node = pod.start(plan.environment(), plan.args().toArray(String[]::new));
        HttpResponse<String> ready =
            http.send(
                HttpRequest.newBuilder(URI.create(node.url() + "/health/ready"))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).as("%s /health/ready", name).isEqualTo(200);
        // The Secret's token guards everything but the probes.
        HttpRequest.Builder metrics =
            HttpRequest.newBuilder(URI.create(node.url() + "/metrics"))
                .timeout(Duration.ofSeconds(30));
        assertThat(http.send(metrics.build(), HttpResponse.BodyHandlers.discarding()).statusCode())
            .as("%s /metrics without the token", name)
            .isEqualTo(401);
        metrics.header("Authorization", "Bearer " + ManifestPod.SECRET_VALUE);
        assertThat(http.send(metrics.build(), HttpResponse.BodyHandlers.discarding()).statusCode())
            .as("%s /metrics with the Secret's token", name)
            .isEqualTo(200);
      }
    }
  }

  @Test
  void dockerfileStartsTheCliLikeTheLauncherAndNotAsRoot() throws Exception {
    List<Instruction> all = instructions(Files.readString(dockerfile()));
    int lastFrom = lastIndexOf(all, "FROM");
    assertThat(all.stream().filter(i -> i.keyword().equals("FROM"))).as("multi-stage").hasSize(2);
    checkBuildStage(all.subList(0, lastFrom));
    List<Instruction> runtime = all.subList(lastFrom, all.size());

    String user = last(runtime, "USER");
    String uid = COLON.splitAsStream(user).findFirst().orElseThrow();
    // Kubernetes can enforce runAsNonRoot only when the image's user is numeric.
    assertThat(uid).as("USER").matches("\\d+").isNotEqualTo("0");

    List<String> entrypoint = List.of(JSON.readValue(last(runtime, "ENTRYPOINT"), String[].class));
    Launcher launcher = launcher();
    int cp = entrypoint.indexOf("-cp");
    assertThat(entrypoint.getFirst()).isEqualTo("java");
    assertThat(entrypoint.subList(1, cp)).as("JVM flags").isEqualTo(launcher.jvmFlags());
    assertThat(entrypoint.subList(cp + 2, entrypoint.size()))
        .as("main class")
        .containsExactly(launcher.mainClass());
    Method main = Class.forName(launcher.mainClass()).getMethod("main", String[].class);
    assertThat(Modifier.isStatic(main.getModifiers())).isTrue();

    List<String> classPath = COLON.splitAsStream(entrypoint.get(cp + 1)).toList();
    assertThat(classPath).hasSameSizeAs(launcher.classPath());
    Map<String, String> copied = copiedFromBuildStage(runtime);
    for (int i = 0; i < classPath.size(); i++) {
      String entry = classPath.get(i);
      String source = copied.get(withoutTrailingSlash(entry.replaceFirst("\\*$", "")));
      assertThat(source).as("%s is copied from the build stage", entry).isNotNull();
      assertThat(source)
          .as("%s holds what the launcher's %s does", entry, launcher.classPath().get(i))
          .endsWith(
              "/" + withoutTrailingSlash(launcher.classPath().get(i).replaceFirst("\\*$", "")));
    }

    Invocation defaultCommand =
        parse(List.of(JSON.readValue(last(runtime, "CMD"), String[].class)), "Dockerfile CMD");
    assertThat(defaultCommand.command()).isEqualTo("serve");
    Set<Integer> exposed = new TreeSet<>();
    for (Instruction expose : runtime) {
      if (expose.keyword().equals("EXPOSE")) {
        WHITESPACE
            .splitAsStream(expose.arguments())
            .forEach(p -> exposed.add(Integer.parseInt(p.replaceFirst("/tcp$", ""))));
      }
    }
    assertThat(exposed)
        .as("EXPOSE: the ports serve and worker listen on by default")
        .containsExactlyInAnyOrder(
            parse(List.of("serve"), "serve").port(), parse(List.of("worker"), "worker").port());

    String healthcheck = last(runtime, "HEALTHCHECK");
    assertThat(healthcheck).as("HEALTHCHECK").contains("CMD").doesNotStartWith("NONE");
    Matcher url = HTTP_URL.matcher(healthcheck);
    assertThat(url.find()).as("HEALTHCHECK probes over HTTP").isTrue();
    assertThat(Integer.parseInt(resolve(url.group(1), runtime)))
        .as("HEALTHCHECK probes the port of the default command")
        .isEqualTo(defaultCommand.port());
    assertServedWith200(Set.of(url.group(2)));
  }

  @Test
  void dockerignoreKeepsBuildOutputAndGitOutOfTheContext() throws IOException {
    List<String> patterns =
        Files.readString(ROOT.resolve(".dockerignore"))
            .lines()
            .map(String::strip)
            .filter(line -> !line.isEmpty() && !line.startsWith("#"))
            .toList();
    assertThat(patterns).contains("**/target/", ".git/");
  }

  /** Checks one Deployment's pod and returns the command its container runs. */
  private static Invocation checkDeployment(JsonNode deployment, Set<String> probes) {
    String name = deployment.path("metadata").path("name").asText();
    assertThat(selects(deployment.path("spec").path("selector"), podLabels(deployment)))
        .as("%s selects its own pods", name)
        .isTrue();
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    JsonNode container = onlyContainer(deployment);
    assertThat(container.has("command"))
        .as("%s sets args, not command, which would drop the image's JVM flags", name)
        .isFalse();
    Invocation invocation = parse(strings(container.path("args")), name);

    assertThat(container.path("ports").findValues("containerPort").stream().map(JsonNode::asInt))
        .as("%s declares the --port it listens on", name)
        .containsExactly(invocation.port());

    assertThat(container.path("readinessProbe").path("httpGet").path("path").asText())
        .as("%s readinessProbe", name)
        .isEqualTo("/health/ready");
    // Liveness must not follow readiness: a worker that cannot take work is not broken.
    assertThat(container.path("livenessProbe").path("httpGet").path("path").asText())
        .as("%s livenessProbe", name)
        .isEqualTo("/health/live");
    for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
      JsonNode get = container.path(probe).path("httpGet");
      if (get.isMissingNode()) {
        continue;
      }
      assertThat(containerPort(container, get.path("port")))
          .as("%s %s probes its --port", name, probe)
          .isEqualTo(invocation.port());
      probes.add(get.path("path").asText());
    }

    for (String bound : List.of("requests", "limits")) {
      for (String resource : List.of("cpu", "memory")) {
        assertThat(container.path("resources").path(bound).path(resource).asText())
            .as("%s resources.%s.%s", name, bound, resource)
            .isNotBlank();
      }
    }

    // Kubernetes counts the preStop hook and the drain against the same grace period, then kills.
    List<String> preStop =
        strings(container.path("lifecycle").path("preStop").path("exec").path("command"));
    assertThat(preStop).as("%s preStop pauses while the endpoints update", name).hasSize(2);
    assertThat(preStop.getFirst()).as("%s preStop", name).isEqualTo("sleep");
    Duration pause = Duration.ofSeconds(Long.parseLong(preStop.get(1)));
    Duration grace = Duration.ofSeconds(pod.path("terminationGracePeriodSeconds").asLong(30));
    assertThat(grace)
        .as("%s terminationGracePeriodSeconds covers preStop, --drain-timeout and the stop", name)
        .isGreaterThanOrEqualTo(pause.plus(invocation.drainTimeout()).plus(STOP_MARGIN));

    JsonNode security = pod.path("securityContext");
    assertThat(security.path("runAsNonRoot").asBoolean()).as("%s runAsNonRoot", name).isTrue();
    assertThat(security.path("runAsUser").asInt(1)).as("%s runAsUser", name).isNotZero();
    assertThat(container.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true))
        .as("%s allowPrivilegeEscalation", name)
        .isFalse();
    return invocation;
  }

  private static void checkBuildStage(List<Instruction> build) {
    List<String> modules = modules();
    assertThat(modules).isNotEmpty();
    // The stage as a sequence: what each COPY copies, and each RUN's command.
    List<String> steps = new ArrayList<>();
    for (Instruction instruction : build) {
      if (instruction.keyword().equals("COPY")) {
        steps.add(
            withoutTrailingSlash(
                WHITESPACE
                    .splitAsStream(instruction.arguments())
                    .filter(word -> !word.startsWith("--"))
                    .findFirst()
                    .orElseThrow()));
      } else if (instruction.keyword().equals("RUN")) {
        steps.add("RUN " + instruction.arguments());
      }
    }
    int dependencies = indexOfRun(steps, "mvn", 0);
    assertThat(dependencies).as("a RUN mvn before the sources are copied").isNotNegative();
    int packaging = indexOfRun(steps, "package", dependencies + 1);
    assertThat(packaging).as("a RUN mvn package after the sources are copied").isNotNegative();
    assertThat(steps.get(packaging)).as("the package build").contains("-DskipTests");
    List<String> beforeSources = steps.subList(0, dependencies);
    List<String> sources = steps.subList(dependencies, packaging);
    // Without the poms first, every source change would download every dependency again.
    assertThat(beforeSources).contains("pom.xml", ".mvn");
    for (String module : modules) {
      assertThat(beforeSources)
          .as("the build copies every module's pom first")
          .contains(module + "/pom.xml");
      assertThat(sources).as("the build copies every module's sources").contains(module + "/src");
    }
  }

  private static int indexOfRun(List<String> steps, String word, int from) {
    for (int i = from; i < steps.size(); i++) {
      if (steps.get(i).startsWith("RUN ") && steps.get(i).contains(word)) {
        return i;
      }
    }
    return -1;
  }

  /** Parses {@code args} with the real CLI; fails on unknown commands or options. */
  private static Invocation parse(List<String> args, String where) {
    ParseResult parsed;
    try {
      parsed = new CommandLine(Main.class).parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new AssertionError(where + ": " + args + " does not parse: " + e.getMessage(), e);
    }
    assertThat(parsed.subcommand()).as("%s: %s names a command", where, args).isNotNull();
    ParseResult command = parsed.subcommand();
    assertThat(command.commandSpec().name()).as(where).isIn("serve", "worker");
    assertThat(command.isUsageHelpRequested()).as(where).isFalse();
    int port = command.commandSpec().findOption("--port").getValue();
    List<String> workers = new ArrayList<>();
    if (command.hasMatchedOption("--workers")) {
      for (String value : command.matchedOption("--workers").stringValues()) {
        COMMA.splitAsStream(value).forEach(workers::add);
      }
    }
    Duration drain = command.commandSpec().findOption("--drain-timeout").getValue();
    return new Invocation(command.commandSpec().name(), port, workers, drain);
  }

  /** GETs every path from a real server: the routes are the same for worker and coordinator. */
  private static void assertServedWith200(Set<String> paths) {
    assertThat(paths).isNotEmpty();
    try (WorkerNode node =
            WorkerNode.start(
                ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1));
        HttpClient http = HttpClient.newHttpClient()) {
      for (String path : paths) {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s", path).isEqualTo(200);
      }
    } catch (IOException e) {
      throw new AssertionError("GET " + paths, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("GET " + paths, e);
    }
  }

  /** The JVM invocation in {@code ./wasmgrid}'s run_cli. */
  record Launcher(List<String> jvmFlags, List<String> classPath, String mainClass) {}

  private static Launcher launcher() throws IOException {
    String script = Files.readString(ROOT.resolve("wasmgrid")).replace("\\\n", " ");
    Matcher jar = Pattern.compile("JAR=\"\\$ROOT/([^\"]+)\"").matcher(script);
    assertThat(jar.find()).isTrue();
    Matcher run =
        Pattern.compile("exec \"\\$JAVA_HOME/bin/java\"(.*?)-cp \"([^\"]+)\"\\s+(\\S+) \"\\$@\"")
            .matcher(script);
    assertThat(run.find()).as("the launcher's java command").isTrue();
    List<String> flags =
        WHITESPACE
            .splitAsStream(run.group(1).strip())
            .filter(flag -> !flag.startsWith("$"))
            .toList();
    List<String> classPath =
        COLON
            .splitAsStream(run.group(2).replace("$JAR", jar.group(1)).replace("$ROOT/", ""))
            .toList();
    return new Launcher(flags, classPath, run.group(3));
  }

  private static List<Instruction> instructions(String dockerfile) {
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : dockerfile.lines().toList()) {
      String text = line.strip();
      // Docker drops comment lines, also inside an instruction continued over several lines.
      if (text.startsWith("#") || text.isEmpty()) {
        continue;
      }
      if (text.endsWith("\\")) {
        current.append(text, 0, text.length() - 1).append(' ');
        continue;
      }
      current.append(text);
      String[] parts = current.toString().split("\\s+", 2);
      instructions.add(
          new Instruction(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : ""));
      current.setLength(0);
    }
    return instructions;
  }

  /** Destination to source of every {@code COPY --from} in a stage. */
  private static Map<String, String> copiedFromBuildStage(List<Instruction> stage) {
    Map<String, String> copied = new HashMap<>();
    for (Instruction instruction : stage) {
      List<String> words = WHITESPACE.splitAsStream(instruction.arguments()).toList();
      if (instruction.keyword().equals("COPY") && words.getFirst().startsWith("--from=")) {
        List<String> paths = words.stream().filter(w -> !w.startsWith("--")).toList();
        assertThat(paths).as("COPY %s copies one path", instruction.arguments()).hasSize(2);
        copied.put(withoutTrailingSlash(paths.get(1)), withoutTrailingSlash(paths.get(0)));
      }
    }
    return copied;
  }

  /** Expands {@code ${NAME}} from the stage's {@code ENV NAME=value}. */
  private static String resolve(String value, List<Instruction> stage) {
    Matcher variable = Pattern.compile("\\$\\{(\\w+)}").matcher(value);
    if (!variable.matches()) {
      return value;
    }
    String prefix = variable.group(1) + "=";
    return stage.stream()
        .filter(i -> i.keyword().equals("ENV") && i.arguments().startsWith(prefix))
        .map(i -> i.arguments().substring(prefix.length()).replace("\"", ""))
        .reduce((first, second) -> second)
        .orElseThrow(() -> new AssertionError("no ENV " + prefix + "... for " + value));
  }

  private static String last(List<Instruction> stage, String keyword) {
    int index = lastIndexOf(stage, keyword);
    assertThat(index).as("the runtime stage has %s", keyword).isNotNegative();
    return stage.get(index).arguments();
  }

  private static int lastIndexOf(List<Instruction> instructions, String keyword) {
    for (int i = instructions.size() - 1; i >= 0; i--) {
      if (instructions.get(i).keyword().equals(keyword)) {
        return i;
      }
    }
    return -1;
  }

  private static List<JsonNode> kubernetesManifests() throws IOException {
    List<JsonNode> manifests = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> listing = Files.list(DEPLOY.resolve("k8s"))) {
      files = listing.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      manifests.addAll(
          YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile()).readAll());
    }
    return manifests;
  }

  static JsonNode onlyContainer(JsonNode deployment) {
    JsonNode containers = deployment.path("spec").path("template").path("spec").path("containers");
    assertThat(containers.size()).as("containers of %s", deployment.path("metadata")).isEqualTo(1);
    return containers.get(0);
  }

  static JsonNode podLabels(JsonNode deployment) {
    return deployment.path("spec").path("template").path("metadata").path("labels");
  }

  /** Whether every label a selector asks for is on the pod. */
  static boolean selects(JsonNode selector, JsonNode labels) {
    JsonNode wanted = selector.has("matchLabels") ? selector.path("matchLabels") : selector;
    if (wanted.isEmpty()) {
      return false;
    }
    for (Map.Entry<String, JsonNode> label : wanted.properties()) {
      if (!label.getValue().equals(labels.path(label.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** The number of a container port referred to by number or by name. */
  static int containerPort(JsonNode container, JsonNode reference) {
    if (reference.canConvertToInt()) {
      return reference.asInt();
    }
    for (JsonNode port : container.path("ports")) {
      if (port.path("name").asText().equals(reference.asText())) {
        return port.path("containerPort").asInt();
      }
    }
    throw new AssertionError("no container port named " + reference);
  }

  private static boolean isHeadless(JsonNode service) {
    return service.path("spec").path("clusterIP").asText().equals("None");
  }

  /** A YAML list of strings, or every string inside a mapping such as a healthcheck. */
  static List<String> strings(JsonNode node) {
    List<String> strings = new ArrayList<>();
    if (node.isValueNode()) {
      strings.add(node.asText());
    } else {
      node.forEach(child -> strings.addAll(strings(child)));
    }
    return strings;
  }

  private static List<String> modules() {
    try {
      Matcher module =
          Pattern.compile("<module>([^<]+)</module>")
              .matcher(Files.readString(ROOT.resolve("pom.xml")));
      List<String> modules = new ArrayList<>();
      while (module.find()) {
        modules.add(module.group(1));
      }
      return modules;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String withoutTrailingSlash(String path) {
    String trimmed = path.startsWith("./") ? path.substring(2) : path;
    return trimmed.length() > 1 && trimmed.endsWith("/")
        ? trimmed.substring(0, trimmed.length() - 1)
        : trimmed;
  }

  private static Path dockerfile() {
    return DEPLOY.resolve("Dockerfile");
  }

  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("wasmgrid"))
          && Files.isDirectory(dir.resolve("deploy"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
  }
}
