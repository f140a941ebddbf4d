package dev.wasmgrid.web;

import dev.wasmgrid.sim.EntityTable;
import dev.wasmgrid.sim.FrameCodec;
import dev.wasmgrid.sim.HostedPartition;
import dev.wasmgrid.sim.SimConfig;
import java.util.ArrayList;
import java.util.List;
import org.teavm.jso.JSExport;
import org.teavm.jso.core.JSArray;
import org.teavm.jso.typedarrays.Float64Array;
import org.teavm.jso.typedarrays.Int32Array;
import org.teavm.jso.typedarrays.Int8Array;

/**
 * One strip of the world in one Web Worker: {@link HostedPartition} with typed arrays at its edges.
 * Frames travel as {@code Int8Array}s; an empty one stands for "no frame for that partition".
 */
public final class BrowserPartition {
  private final SimConfig config;
  private final HostedPartition partition;

  BrowserPartition(SimConfig config, HostedPartition partition) {
    this.config = config;
    this.partition = partition;
  }

  /** Phase 1: the migration frames under {@code bounds}, one per partition. */
  @JSExport
  public JSArray<Int8Array> migrate(Int32Array bounds) {
    return frames(partition.migrate(bounds.copyToJavaArray()));
  }

  /** Phase 2: adopts the migrants (ordered by sender) and returns the ghost frames. */
  @JSExport
  public JSArray<Int8Array> ghosts(JSArray<Int8Array> migrants) {
    return frames(partition.ghosts(list(migrants)));
  }

  /** Phase 3: takes the ghosts (ordered by sender) and steps. */
  @JSExport
  public void step(JSArray<Int8Array> ghosts) {
    partition.step(list(ghosts));
  }

  /** Makes every food patch it owns ready to eat now, between ticks (the viewer's "add food"). */
  @JSExport
  public void regrowFood() {
    partition.regrowFood();
  }

  /** The tick its next phase belongs to. */
  @JSExport
  public int tick() {
    return (int) partition.tick();
  }

  /** Entities it owns. */
  @JSExport
  public int owned() {
    return partition.owned();
  }

  /** Owned entities per grid column, between ticks: the load balancer's measure. */
  @JSExport
  public Float64Array columnCosts() {
    long[] costs = partition.columnCosts();
    double[] out = new double[costs.length];
    for (int i = 0; i < costs.length; i++) {
      out[i] = costs[i];
    }
    return Float64Array.copyFromJavaArray(out);
  }

  /** Its checkpoint frame, between ticks (for the state hash). */
  @JSExport
  public Int8Array checkpoint() {
    return Int8Array.copyFromJavaArray(partition.checkpoint());
  }

  /**
   * What the viewer draws, between ticks: per owned entity x and y quantized to u16 across the
   * world (little-endian, as the server's frames), then one species byte per entity.
   */
  @JSExport
  public Int8Array view() {
    EntityTable t = FrameCodec.decode(partition.checkpoint()).entities();
    int n = t.count();
    byte[] out = new byte[5 * n];
    float sx = 65536f / config.width();
    float sy = 65536f / config.height();
    for (int i = 0; i < n; i++) {
      int qx = Math.max(0, Math.min(65535, (int) (t.x(i) * sx)));
      int qy = Math.max(0, Math.min(65535, (int) (t.y(i) * sy)));
      out[4 * i] = (byte) qx;
      out[4 * i + 1] = (byte) (qx >>> 8);
      out[4 * i + 2] = (byte) qy;
      out[4 * i + 3] = (byte) (qy >>> 8);
      out[4 * n + i] = t.species(i);
    }
    return Int8Array.copyFromJavaArray(out);
  }

  private static JSArray<Int8Array> frames(byte[][] frames) {
    JSArray<Int8Array> out = new JSArray<>();
    for (byte[] frame : frames) {
      out.push(Int8Array.copyFromJavaArray(frame == null ? new byte[0] : frame));
    }
    return out;
  }

  private static List<byte[]> list(JSArray<Int8Array> frames) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < frames.getLength(); i++) {
      byte[] frame = frames.get(i).copyToJavaArray();
      if (frame.length > 0) {
        out.add(frame);
      }
    }
    return out;
  }
}
