package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.bench.LocalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Kubernetes Deployment's container run as a local process, as far as a test can without a
 * cluster: the container's args (listening on loopback, on a free port) and env, every volume an
 * {@code emptyDir} in a fresh directory of its own, and with {@code readOnlyRootFilesystem} a home
 * directory nothing can be created in — it lies under a regular file, which stops root too, where a
 * read-only mode would not.
 */
final class ManifestPod {
  private ManifestPod() {}

  /** What the container runs, mapped onto this machine. */
  record Plan(List<String> jvmFlags, Map<String, String> environment, List<String> args) {}

  /** What every Secret key holds in the test: the pod gets it as the cluster would give it. */
  static final String SECRET_VALUE = "manifest-pod-secret";

  /** Maps {@code deployment}'s only container onto directories under {@code scratch}. */
  static Plan plan(JsonNode deployment, Path scratch) throws IOException {
    String name = deployment.path("metadata").path("name").asText();
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    JsonNode container = pod.path("containers").get(0);

    Map<String, JsonNode> volumes = new HashMap<>();
    pod.path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
    Map<String, Path> mounts = new HashMap<>();
    for (JsonNode mount : container.path("volumeMounts")) {
      String volume = mount.path("name").asText();
      assertThat(volumes.get(volume)).as("%s mounts volume %s", name, volume).isNotNull();
      assertThat(volumes.get(volume).has("emptyDir"))
          .as("%s volume %s is an emptyDir", name, volume)
          .isTrue();
      mounts.put(
          mount.path("mountPath").asText(), Files.createDirectories(scratch.resolve(volume)));
    }

    List<String> jvmFlags = new ArrayList<>();
    boolean readOnlyRoot =
        container.path("securityContext").path("readOnlyRootFilesystem").asBoolean(false);
    assertThat(readOnlyRoot).as("%s readOnlyRootFilesystem", name).isTrue();
    Path home = Files.createFile(scratch.resolve("read-only-root")).resolve("home/wasmgrid");
    jvmFlags.add("-Duser.home=" + home);
    Path tmp = mounts.get("/tmp");
    if (tmp != null) {
      jvmFlags.add("-Djava.io.tmpdir=" + tmp);
    }

    Map<String, String> environment = new HashMap<>();
    environment.put("HOME", home.toString());
    for (JsonNode variable : container.path("env")) {
      JsonNode secret = variable.path("valueFrom").path("secretKeyRef");
      assertThat(variable.has("value") || !secret.isMissingNode())
          .as("%s env %s has a value or a Secret's", name, variable)
          .isTrue();
      environment.put(
          variable.path("name").asText(),
          secret.isMissingNode() ? variable.path("value").asText() : SECRET_VALUE);
    }

    List<String> args = new ArrayList<>();
    List<String> declared = DeployFilesTest.strings(container.path("args"));
    for (int i = 0; i < declared.size(); i++) {
      String arg = declared.get(i);
      if (arg.equals("--port")) {
        i++; // a free port instead; the probes were checked against the declared one
        args.addAll(List.of("--port", "0"));
      } else {
        args.add(inMounts(arg, mounts));
      }
    }
    args.addAll(List.of("--host", "127.0.0.1"));
    return new Plan(jvmFlags, environment, args);
  }

  /** Nodes started with the plan's JVM flags, by this JVM's java and class path. */
  static LocalCluster launcher(Plan plan) {
    List<String> command = new ArrayList<>(LocalCluster.sameJvm(Main.class.getName()));
    command.addAll(command.indexOf("-cp"), plan.jvmFlags());
    return new LocalCluster(command);
  }

  /** A path under a mount becomes the same path under the mount's directory. */
  private static String inMounts(String arg, Map<String, Path> mounts) {
    for (Map.Entry<String, Path> mount : mounts.entrySet()) {
      String path = mount.getKey();
      if (arg.equals(path) || arg.startsWith(path + "/")) {
        return mount.getValue() + arg.substring(path.length());
      }
    }
    return arg;
  }
}
