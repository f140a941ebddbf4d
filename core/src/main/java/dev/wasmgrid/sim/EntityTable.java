package dev.wasmgrid.sim;

import java.util.Arrays;

/**
 * Entities as structure-of-arrays: row {@code i} of every array is one entity. No per-entity
 * objects, so 100k entities are a dozen flat arrays that a frame codec or a hash walks linearly.
 * Arrays grow by doubling; rows are only ever appended or compacted, never reordered in place.
 */
public final class EntityTable {

  /** Bytes one row takes across all arrays. */
  public static final int ROW_BYTES = 8 + 1 + 4 + 5 * 4 + 5 * 4;

  long[] id;
  byte[] species;
  int[] age;
  float[] x;
  float[] y;
  float[] vx;
  float[] vy;
  float[] energy;
  // Genes.
  float[] maxSpeed;
  float[] view;
  float[] viewCos;
  float[] size;
  float[] aggression;

  private int count;

  /** An empty table with room for {@code capacity} rows before it grows. */
  public EntityTable(int capacity) {
    allocate(Math.max(16, capacity));
  }

  /** Rows in use. */
  public int count() {
    return count;
  }

  /** Bytes held by the arrays (capacity, not just rows in use). */
  public long bytes() {
    return (long) id.length * ROW_BYTES;
  }

  /** Rows the arrays hold before they grow. */
  int capacity() {
    return id.length;
  }

  /** Room for {@code rows} more rows without growing (doubling, at least). */
  void reserve(int rows) {
    if (count + rows > id.length) {
      grow(Math.max(count + rows, id.length * 2));
    }
  }

  /** Rows 0 .. {@code rows - 1} are in use: the ones after the old count were written in place. */
  void written(int rows) {
    if (rows < count || rows > id.length) {
      throw new IllegalArgumentException(
          "rows must be in [" + count + ", " + id.length + "], got " + rows);
    }
    count = rows;
  }

  /** Empties the table, keeping its arrays. */
  public void clear() {
    count = 0;
  }

  /** Appends a row; returns its index. */
  public int append(
      long entityId,
      byte kind,
      int entityAge,
      float px,
      float py,
      float velX,
      float velY,
      float entityEnergy,
      float geneSpeed,
      float geneView,
      float geneViewCos,
      float geneSize,
      float geneAggression) {
    if (count == id.length) {
      grow(count * 2);
    }
    int i = count++;
    id[i] = entityId;
    species[i] = kind;
    age[i] = entityAge;
    x[i] = px;
    y[i] = py;
    vx[i] = velX;
    vy[i] = velY;
    energy[i] = entityEnergy;
    maxSpeed[i] = geneSpeed;
    view[i] = geneView;
    viewCos[i] = geneViewCos;
    size[i] = geneSize;
    aggression[i] = geneAggression;
    return i;
  }

  /** Appends a copy of row {@code i} of {@code from}. */
  public int appendRow(EntityTable from, int i) {
    return append(
        from.id[i],
        from.species[i],
        from.age[i],
        from.x[i],
        from.y[i],
        from.vx[i],
        from.vy[i],
        from.energy[i],
        from.maxSpeed[i],
        from.view[i],
        from.viewCos[i],
        from.size[i],
        from.aggression[i]);
  }

  /** Keeps the first {@code rows} rows, dropping the rest. */
  public void truncate(int rows) {
    if (rows < 0 || rows > count) {
      throw new IllegalArgumentException("rows must be in [0, " + count + "], got " + rows);
    }
    count = rows;
  }

  /**
   * Keeps the rows whose {@code keep} flag is set, not in their order: the last kept rows fill the
   * gaps. A few rows leave a partition per tick, scattered through its table; compacting moved
   * every row after the first of them.
   */
  public void retainUnordered(boolean[] keep) {
    int n = count;
    for (int i = count - 1; i >= 0; i--) {
      if (!keep[i]) {
        // Rows after i are kept ones by now, so the last row may fill the gap.
        moveRow(--n, i);
      }
    }
    count = n;
  }

  /** Id of row {@code i}. */
  public long id(int i) {
    return id[i];
  }

  /** Energy of row {@code i}. */
  public float energy(int i) {
    return energy[i];
  }

  /** Species of row {@code i}: 0 prey, 1 predator. */
  public byte species(int i) {
    return species[i];
  }

  /** X position of row {@code i}, in [0, world width). */
  public float x(int i) {
    return x[i];
  }

  /** Y position of row {@code i}, in [0, world height). */
  public float y(int i) {
    return y[i];
  }

  private void moveRow(int from, int to) {
    id[to] = id[from];
    species[to] = species[from];
    age[to] = age[from];
    x[to] = x[from];
    y[to] = y[from];
    vx[to] = vx[from];
    vy[to] = vy[from];
    energy[to] = energy[from];
    maxSpeed[to] = maxSpeed[from];
    view[to] = view[from];
    viewCos[to] = viewCos[from];
    size[to] = size[from];
    aggression[to] = aggression[from];
  }

  private void allocate(int capacity) {
    id = new long[capacity];
    species = new byte[capacity];
    age = new int[capacity];
    x = new float[capacity];
    y = new float[capacity];
    vx = new float[capacity];
    vy = new float[capacity];
    energy = new float[capacity];
    maxSpeed = new float[capacity];
    view = new float[capacity];
    viewCos = new float[capacity];
    size = new float[capacity];
    aggression = new float[capacity];
  }

  private void grow(int capacity) {
    id = Arrays.copyOf(id, capacity);
    species = Arrays.copyOf(species, capacity);
    age = Arrays.copyOf(age, capacity);
    x = Arrays.copyOf(x, capacity);
    y = Arrays.copyOf(y, capacity);
    vx = Arrays.copyOf(vx, capacity);
    vy = Arrays.copyOf(vy, capacity);
    energy = Arrays.copyOf(energy, capacity);
    maxSpeed = Arrays.copyOf(maxSpeed, capacity);
    view = Arrays.copyOf(view, capacity);
    viewCos = Arrays.copyOf(viewCos, capacity);
    size = Arrays.copyOf(size, capacity);
    aggression = Arrays.copyOf(aggression, capacity);
  }
}
