package dev.wasmgrid.modules.worker;

import dev.wasmgrid.wasm.recycle.CallJournal;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The call logs of the stateful modules in a module directory, beside their bytes: {@code
 * <name>.<state epoch>.calls}, named in the index by the module's {@code state_epoch}, so that a
 * worker started again replays each into a fresh instance. Without a directory the logs are kept in
 * memory only.
 */
final class CallLogFiles {
  private static final Logger LOG = LoggerFactory.getLogger(CallLogFiles.class);
  private static final String SUFFIX = ".calls";

  private final Optional<Path> dir;

  CallLogFiles(Optional<Path> dir) {
    this.dir = dir;
  }

  /** The journal for module {@code name}, resuming {@code epoch}'s log when given. */
  CallJournal journal(String name, Optional<String> epoch) {
    return dir.map(d -> CallJournal.in(d, name, epoch)).orElse(CallJournal.none());
  }

  /**
   * Deletes the logs of states no module has any more ({@code keep} holds the file names of those
   * that are): states replaced by a redeployment, a new policy or a deletion.
   */
  void prune(Set<String> keep) {
    if (dir.isEmpty()) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.get(), "*" + SUFFIX)) {
      for (Path file : files) {
        if (!keep.contains(file.getFileName().toString())) {
          Files.deleteIfExists(file);
        }
      }
    } catch (IOException e) {
      // Left over: it is pruned next time, and a worker started again ignores it.
      LOG.warn("cannot delete old call logs in {}: {}", dir.get(), e.toString());
    }
  }

  /** The file name of {@code name}'s log in state {@code epoch}. */
  static String fileName(String name, String epoch) {
    return CallJournal.file(Path.of(""), name, epoch).getFileName().toString();
  }
}
