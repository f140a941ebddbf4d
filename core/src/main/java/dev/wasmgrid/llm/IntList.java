package dev.wasmgrid.llm;

import java.util.Arrays;

/** A growable list of ints, for token ids as they are produced. */
final class IntList {
  private int[] values = new int[16];
  private int size;

  void add(int v) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = v;
  }

  void addAll(int[] vs, int n) {
    for (int i = 0; i < n; i++) {
      add(vs[i]);
    }
  }

  int size() {
    return size;
  }

  int[] toArray() {
    return Arrays.copyOf(values, size);
  }
}
