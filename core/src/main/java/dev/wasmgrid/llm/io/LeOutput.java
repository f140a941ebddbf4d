package dev.wasmgrid.llm.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes little-endian numbers and counts the bytes written. */
public final class LeOutput {
  private final OutputStream out;
  private final byte[] buf = new byte[8];
  private long written;

  public LeOutput(OutputStream out) {
    this.out = out;
  }

  public long written() {
    return written;
  }

  public void u8(int v) throws IOException {
    out.write(v);
    written++;
  }

  public void i16(int v) throws IOException {
    buf[0] = (byte) v;
    buf[1] = (byte) (v >>> 8);
    bytes(buf, 2);
  }

  public void i32(int v) throws IOException {
    for (int i = 0; i < 4; i++) {
      buf[i] = (byte) (v >>> (8 * i));
    }
    bytes(buf, 4);
  }

  public void i64(long v) throws IOException {
    for (int i = 0; i < 8; i++) {
      buf[i] = (byte) (v >>> (8 * i));
    }
    bytes(buf, 8);
  }

  public void f32(float v) throws IOException {
    i32(Float.floatToRawIntBits(v));
  }

  public void floats(float[] v) throws IOException {
    byte[] chunk = new byte[4 * Math.min(v.length, 1 << 14)];
    for (int done = 0; done < v.length; ) {
      int n = Math.min(v.length - done, chunk.length / 4);
      for (int i = 0; i < n; i++) {
        int bits = Float.floatToRawIntBits(v[done + i]);
        chunk[4 * i] = (byte) bits;
        chunk[4 * i + 1] = (byte) (bits >>> 8);
        chunk[4 * i + 2] = (byte) (bits >>> 16);
        chunk[4 * i + 3] = (byte) (bits >>> 24);
      }
      bytes(chunk, 4 * n);
      done += n;
    }
  }

  /** A GGUF string: u64 length, then UTF-8. */
  public void string(String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    i64(b.length);
    bytes(b, b.length);
  }

  public void bytes(byte[] b, int len) throws IOException {
    out.write(b, 0, len);
    written += len;
  }

  /** Zero bytes up to the next multiple of {@code alignment}. */
  public void pad(int alignment) throws IOException {
    while (written % alignment != 0) {
      u8(0);
    }
  }
}
