package dev.wasmgrid.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a process holds in RAM, from Linux's {@code /proc/PID/status}. */
public final class ProcessMemory {

  private ProcessMemory() {}

  /** The resident set ({@code VmRSS}) of process {@code pid}, in bytes. */
  public static long residentBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
  }

  /** This JVM's resident set, in bytes. */
  public static long residentBytes() {
    return residentBytes(ProcessHandle.current().pid());
  }
}
