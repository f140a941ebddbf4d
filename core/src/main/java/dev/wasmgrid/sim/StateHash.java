package dev.wasmgrid.sim;

/**
 * A 64-bit FNV-1a hash of the whole world: the tick, then every entity's fields in id order, then
 * every food timer in patch order, each taken as 32-bit words (floats by their bit patterns). Two
 * engines agree on it only if they agree on every bit of the state.
 */
public final class StateHash {

  private static final long OFFSET = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;

  private StateHash() {}

  /** The hash of {@code table}'s rows (any order) and {@code timers} at {@code tick}. */
  public static long of(long tick, EntityTable table, int[] timers) {
    int n = table.count();
    int[] order = IdOrder.sorted(table.id, n);
    long h = OFFSET;
    h = word(h, (int) tick);
    h = word(h, (int) (tick >>> 32));
    h = word(h, n);
    for (int k = 0; k < n; k++) {
      int i = order[k];
      h = word(h, (int) table.id[i]);
      h = word(h, (int) (table.id[i] >>> 32));
      h = word(h, table.species[i]);
      h = word(h, table.age[i]);
      h = floatWord(h, table.x[i]);
      h = floatWord(h, table.y[i]);
      h = floatWord(h, table.vx[i]);
      h = floatWord(h, table.vy[i]);
      h = floatWord(h, table.energy[i]);
      h = floatWord(h, table.maxSpeed[i]);
      h = floatWord(h, table.view[i]);
      h = floatWord(h, table.viewCos[i]);
      h = floatWord(h, table.size[i]);
      h = floatWord(h, table.aggression[i]);
    }
    h = word(h, timers.length);
    for (int timer : timers) {
      h = word(h, timer);
    }
    return h;
  }

  /** The hash as 16 lower-case hex digits. */
  public static String hex(long hash) {
    String digits = Long.toHexString(hash);
    return "0".repeat(16 - digits.length()) + digits;
  }

  private static long floatWord(long h, float v) {
    return word(h, Float.floatToRawIntBits(v));
  }

  private static long word(long h, int w) {
    for (int b = 0; b < 4; b++) {
      h ^= (w >>> (8 * b)) & 0xff;
      h *= PRIME;
    }
    return h;
  }
}
