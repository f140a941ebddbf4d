package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.Half;

/** Little-endian fields inside a block. */
final class Bytes {

  private Bytes() {}

  /** The f16 at {@code b[at]} as a float. */
  static float half(byte[] b, int at) {
    return Half.toFloat((short) ((b[at] & 0xff) | b[at + 1] << 8));
  }

  /** The unsigned byte at {@code b[at]}. */
  static int u8(byte[] b, int at) {
    return b[at] & 0xff;
  }

  /** The 32-bit word at {@code b[at]}. */
  static int u32(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | b[at + 3] << 24;
  }
}
