package dev.wasmgrid.foreign;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * A shared library that {@code core/build-native.sh} put among a class's resources, loaded for the
 * life of the process: its symbols, or why it cannot run here (turned off, another system, Java 21,
 * not built). Built for x86-64 Linux only; everything that uses one has a Java path beside it.
 *
 * @param foreign the foreign-function API, to bind the library's functions; null when not loaded
 * @param symbols the library's symbols ({@link Foreign#librarySymbols}); null when not loaded
 * @param reason why it is not loaded; null when it is
 */
public record NativeLibrary(Foreign foreign, Object symbols, String reason) {

  /**
   * Loads resource {@code resource} of {@code anchor}'s package unless the system property {@code
   * property} or the environment variable {@code env} says {@code off} (or {@code false}).
   */
  public static NativeLibrary load(Class<?> anchor, String resource, String property, String env) {
    String off = System.getProperty(property, System.getenv(env));
    if (off != null && (off.equalsIgnoreCase("off") || off.equalsIgnoreCase("false"))) {
      return missing("turned off (" + property + " / " + env + ")");
    }
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return missing("built for x86-64 Linux only, this is " + os + " " + arch);
    }
    if (Runtime.version().feature() < 22) {
      return missing("the foreign-function API needs Java 22 or later");
    }
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        return missing("not built (no gcc when the project was built)");
      }
      Path file = Files.createTempFile("wasmgrid-", ".so");
      try {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        Foreign foreign = Foreign.find();
        return new NativeLibrary(foreign, foreign.librarySymbols(file), null);
      } finally {
        // Loaded (or not) by now: the mapping outlives the name.
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      return missing("could not extract the library: " + e.getMessage());
    } catch (Throwable e) {
      return missing("could not load the library: " + e);
    }
  }

  /** Whether the library is loaded. */
  public boolean loaded() {
    return reason == null;
  }

  private static NativeLibrary missing(String reason) {
    return new NativeLibrary(null, null, reason);
  }
}
