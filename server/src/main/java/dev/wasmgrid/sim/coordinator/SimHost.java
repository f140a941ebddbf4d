package dev.wasmgrid.sim.coordinator;

import dev.wasmgrid.sim.worker.PartitionAssignment;
import java.io.IOException;
import java.util.Optional;

/** Where partitions can run: a worker process over HTTP, or this JVM. */
public interface SimHost {

  /** A name for messages: the worker's URL, or "local". */
  String name();

  /**
   * Creates a partition: {@code spec}'s strip of the initial world, or restored from {@code
   * checkpoint} when present.
   *
   * @throws IOException when the host cannot be reached
   */
  PartitionLink create(PartitionAssignment spec, Optional<byte[]> checkpoint) throws IOException;
}
