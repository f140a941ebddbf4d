package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What the deploy files say about the build's JVM flags is what .mvn/jvm.config holds. */
class DeployDocsTest {
  private static final Pattern FLAG = Pattern.compile("--[a-z][a-z-]+");

  @Test
  void everyFlagTheDeployFilesSayJvmConfigPassesIsInIt() throws IOException {
    Path root = root();
    String config = Files.readString(root.resolve(".mvn/jvm.config"));
    for (String file : List.of("deploy/Dockerfile", "deploy/README.md")) {
      for (String line : Files.readAllLines(root.resolve(file))) {
        if (line.contains("jvm.config")) {
          Matcher flag = FLAG.matcher(line);
          while (flag.find()) {
            assertThat(config).as(file + ": " + line.strip()).contains(flag.group());
          }
        }
      }
    }
  }

  private static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(".mvn/jvm.config"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
  }
}
