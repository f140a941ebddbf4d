package dev.wasmgrid.storage;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Files replaced whole or not at all: the bytes go to a temporary file beside the target, which
 * then moves in place, so a crash leaves the old file or the new one, never half of one. The
 * temporary file is created readable by its owner only (on POSIX file systems), and so is the file
 * it becomes: module indexes and job records are the node's own.
 */
public final class AtomicFiles {
  private static final String TEMPORARY_PREFIX = ".tmp-";
  private static final String TEMPORARY_SUFFIX = ".part";

  private AtomicFiles() {}

  /** Replaces {@code target} with {@code bytes}. */
  public static void write(Path target, byte[] bytes) throws IOException {
    Path temporary = Files.createTempFile(target.getParent(), TEMPORARY_PREFIX, TEMPORARY_SUFFIX);
    try {
      Files.write(temporary, bytes);
      try {
        Files.move(
            temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  /** Whether {@code file} is a temporary file that a crash left behind. */
  public static boolean isTemporary(Path file) {
    String name = file.getFileName().toString();
    return name.startsWith(TEMPORARY_PREFIX) && name.endsWith(TEMPORARY_SUFFIX);
  }
}
