package dev.wasmgrid;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The server's packages keep their layers (docs/architecture.md, "Modules and packages"): each
 * workload (matmul, llm, sim, modules) is a slice that reaches the others only through the nodes
 * that compose them, the shared grid and http reach no workload, and no workload builds an HTTP
 * status: it throws a {@code Failure} or answers with {@code Reply}'s named successes, and the http
 * edge turns both into statuses.
 */
class SlicesTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/wasmgrid");
  private static final List<String> WORKLOADS = List.of("matmul", "llm", "sim", "modules");
  private static final Set<String> SHARED = Set.of("grid", "http", "errors", "storage");

  private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.wasmgrid\\.(\\w+)\\.");

  /** Ways to build a status: a literal in a reply or response, or Helidon's status constants. */
  private static final Pattern STATUS =
      Pattern.compile(
          "Reply\\.json\\(\\s*\\d|new Reply\\(\\s*\\d|Reply\\.streamed\\(\\s*\\d"
              + "|\\.status\\(\\s*\\d|\\bStatus\\.[A-Z]|io\\.helidon\\.http\\.Status\\b");

  @Test
  void noWorkloadReachesAnother() throws IOException {
    List<String> crossings = new ArrayList<>();
    for (String workload : WORKLOADS) {
      for (Path file : sources(SOURCES.resolve(workload))) {
        Matcher m = REFERENCE.matcher(Files.readString(file));
        while (m.find()) {
          String target = m.group(1);
          if (WORKLOADS.contains(target) && !target.equals(workload)) {
            crossings.add(SOURCES.relativize(file) + " -> dev.wasmgrid." + target);
          }
        }
      }
    }
    assertThat(crossings).isEmpty();
  }

  @Test
  void theSharedLayersReachNoWorkload() throws IOException {
    List<String> crossings = new ArrayList<>();
    for (String shared : SHARED) {
      for (Path file : sources(SOURCES.resolve(shared))) {
        Matcher m = REFERENCE.matcher(Files.readString(file));
        while (m.find()) {
          if (WORKLOADS.contains(m.group(1))) {
            crossings.add(SOURCES.relativize(file) + " -> dev.wasmgrid." + m.group(1));
          }
        }
      }
    }
    assertThat(crossings).isEmpty();
  }

  @Test
  void noWorkloadBuildsAnHttpStatus() throws IOException {
    List<String> builds = new ArrayList<>();
    for (String workload : WORKLOADS) {
      for (Path file : sources(SOURCES.resolve(workload))) {
        List<String> lines = Files.readAllLines(file);
        String text = String.join("\n", lines);
        Matcher m = STATUS.matcher(text);
        while (m.find()) {
          int line = text.substring(0, m.start()).split("\n", -1).length;
          builds.add(SOURCES.relativize(file) + ":" + line + ": " + lines.get(line - 1).strip());
        }
      }
    }
    assertThat(builds).isEmpty();
  }

  @Test
  void theChecksSeeTheSources() throws IOException {
    // A moved source tree would make the checks above pass on nothing.
    for (String workload : WORKLOADS) {
      assertThat(sources(SOURCES.resolve(workload))).as(workload).hasSizeGreaterThan(3);
    }
    assertThat(
            STATUS.matcher("return Reply.json(200, body);").find()
                && REFERENCE.matcher("import dev.wasmgrid.llm.X;").find())
        .isTrue();
  }

  private static List<Path> sources(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    }
  }
}
