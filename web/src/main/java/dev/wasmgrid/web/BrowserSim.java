package dev.wasmgrid.web;

import dev.wasmgrid.sim.HostedPartition;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.StateHash;
import dev.wasmgrid.sim.StripLayout;
import java.util.ArrayList;
import java.util.List;
import org.teavm.jso.JSExport;
import org.teavm.jso.core.JSArray;
import org.teavm.jso.typedarrays.Float64Array;
import org.teavm.jso.typedarrays.Int32Array;
import org.teavm.jso.typedarrays.Int8Array;

/**
 * The simulation kernel for the browser: TeaVM compiles this class, {@link BrowserPartition} and
 * the plain kernel ({@link HostedPartition} and what it uses) to WasmGC and to JavaScript. One Web
 * Worker holds one {@link BrowserPartition}; the page drives them through the tick protocol of
 * {@link dev.wasmgrid.sim.PartitionedSim} (migrate, ghosts, step) and carries the binary frames
 * between them, so the world reaches the JVM's state hash. Worlds are {@link SimConfig#of}{@code
 * (entities, seed)}; seeds are JS numbers here, so whole numbers up to 2^31 - 1.
 */
public final class BrowserSim {
  private BrowserSim() {}

  /** Strip {@code index} of the initial world, cut into {@code partitions} even strips. */
  @JSExport
  public static BrowserPartition partition(int entities, int seed, int partitions, int index) {
    SimConfig config = SimConfig.of(entities, seed);
    int[] bounds = StripLayout.even(config, partitions).bounds();
    return new BrowserPartition(config, HostedPartition.initial(config, index, bounds));
  }

  /** The first strip boundaries: {@code partitions} even strips, in grid columns. */
  @JSExport
  public static Int32Array evenBounds(int entities, int seed, int partitions) {
    return Int32Array.copyFromJavaArray(
        StripLayout.even(SimConfig.of(entities, seed), partitions).bounds());
  }

  /** The boundaries after a load-balancing round over the summed column costs. */
  @JSExport
  public static Int32Array balance(int entities, int seed, Float64Array costs, int partitions) {
    double[] summed = costs.copyToJavaArray();
    long[] whole = new long[summed.length];
    for (int i = 0; i < whole.length; i++) {
      whole[i] = (long) summed[i];
    }
    return Int32Array.copyFromJavaArray(
        HostedPartition.balance(SimConfig.of(entities, seed), whole, partitions));
  }

  /** {@link StateHash} (16 hex digits) of the world made of these checkpoints, one per strip. */
  @JSExport
  public static String hash(int entities, int seed, JSArray<Int8Array> checkpoints) {
    List<byte[]> states = new ArrayList<>();
    for (int i = 0; i < checkpoints.getLength(); i++) {
      states.add(checkpoints.get(i).copyToJavaArray());
    }
    return StateHash.hex(HostedPartition.stateHash(SimConfig.of(entities, seed), states));
  }

  /** The world's width and height, for drawing. */
  @JSExport
  public static Int32Array size(int entities, int seed) {
    SimConfig config = SimConfig.of(entities, seed);
    return Int32Array.copyFromJavaArray(new int[] {config.width(), config.height()});
  }
}
