package dev.wasmgrid.wasm;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/**
 * One instance's stdout and stderr as its WASI imports write them, held until the host takes them
 * after a call; each stream keeps at most {@link CallOutput#MAX_BYTES} between takes, so a guest
 * printing in a loop costs bounded memory.
 */
final class GuestOutput {

  private final Capture stdout = new Capture();
  private final Capture stderr = new Capture();
  private OptionalInt exitCode = OptionalInt.empty();

  OutputStream stdout() {
    return stdout;
  }

  OutputStream stderr() {
    return stderr;
  }

  /** Writes a host's note for the guest (such as {@code env.trace}) to its stderr. */
  void note(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    stderr.write(bytes, 0, bytes.length);
  }

  synchronized void exited(int code) {
    exitCode = OptionalInt.of(code);
  }

  /** What was written (and the exit) since the last take; empties it. */
  synchronized CallOutput take() {
    boolean truncated = stdout.dropped || stderr.dropped;
    CallOutput out = new CallOutput(stdout.drain(), stderr.drain(), truncated, exitCode);
    exitCode = OptionalInt.empty();
    return out;
  }

  /** A bounded byte sink: past the cap, bytes are counted as dropped. */
  private static final class Capture extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean dropped;

    @Override
    public synchronized void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      int room = Math.max(0, CallOutput.MAX_BYTES - bytes.size());
      bytes.write(b, off, Math.min(room, len));
      dropped |= len > room;
    }

    synchronized String drain() {
      String out = bytes.toString(StandardCharsets.UTF_8);
      bytes.reset();
      dropped = false;
      return out;
    }
  }
}
