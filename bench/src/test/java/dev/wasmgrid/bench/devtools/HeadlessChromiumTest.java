package dev.wasmgrid.bench.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The browser the benches drive leaves nothing behind once closed. */
class HeadlessChromiumTest {

  @Test
  void aClosedBrowserLeavesNothingInTheTemporaryDirectory() throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Set<Path> before = chromiumEntries(tmp);
    Path profile;
    try (HeadlessChromium browser = HeadlessChromium.start(List.of())) {
      // A page makes the browser set up everything it keeps on disk.
      browser.newPage().close();
      profile = profileOf(tmp, before);
    }
    // Chromium's single-instance socket lives in a directory of its own under TMPDIR.
    assertThat(chromiumEntries(tmp)).isEqualTo(before);
    assertThat(profile).doesNotExist();
  }

  private static Path profileOf(Path tmp, Set<Path> before) throws IOException {
    Set<Path> added = chromiumEntries(tmp);
    added.removeAll(before);
    assertThat(added).as("only the profile, under %s", tmp).hasSize(1);
    return added.iterator().next();
  }

  /** The browser's traces in {@code tmp}: its profiles and its own directories. */
  private static Set<Path> chromiumEntries(Path tmp) throws IOException {
    try (Stream<Path> entries = Files.list(tmp)) {
      return entries
          .filter(
              p -> {
                String name = p.getFileName().toString();
                return name.startsWith("org.chromium.") || name.startsWith("wasmgrid-chromium-");
              })
          .collect(Collectors.toSet());
    }
  }
}
