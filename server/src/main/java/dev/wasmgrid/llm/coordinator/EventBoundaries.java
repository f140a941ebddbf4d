package dev.wasmgrid.llm.coordinator;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The client's side of a relayed event stream: flushes what it is given at once, and remembers
 * whether a write failed (the client left, as opposed to the worker breaking off) and whether what
 * was sent so far ends between events.
 */
final class EventBoundaries extends OutputStream {
  private final OutputStream out;
  private boolean failed;
  private int last1 = '\n';
  private int last2 = '\n';

  EventBoundaries(OutputStream out) {
    this.out = out;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return;
    }
    try {
      out.write(b, off, len);
      out.flush();
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
    last2 = len >= 2 ? b[off + len - 2] : last1;
    last1 = b[off + len - 1];
  }

  @Override
  public void flush() throws IOException {
    try {
      out.flush();
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
  }

  /** Whether writing to the client failed. */
  boolean failed() {
    return failed;
  }

  /** Whether the bytes sent so far end with a whole event (or none was sent). */
  boolean whole() {
    return last1 == '\n' && last2 == '\n';
  }
}
