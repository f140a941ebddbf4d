package dev.wasmgrid.grid;

import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.ServerTiming;
import java.util.Optional;

/**
 * What one piece of work (a matmul tile) cost on one worker: the cost model's raw measurements.
 *
 * @param worker the worker's name
 * @param flops floating-point operations in the piece
 * @param kernelNanos the worker's own kernel time ({@code Server-Timing}), or -1 when it sent none
 * @param bytes bytes sent and received for it
 * @param nanos the whole round trip as the coordinator saw it
 */
public record WorkTiming(String worker, double flops, long kernelNanos, long bytes, long nanos) {

  /** The timing of a piece answered by {@code reply} after {@code nanos}. */
  public static WorkTiming of(String worker, double flops, Reply reply, long bytes, long nanos) {
    long kernel =
        Optional.ofNullable(reply.headers().get(ServerTiming.HEADER))
            .flatMap(
                value ->
                    ServerTiming.parse(value, ServerTiming.KERNEL).stream().boxed().findFirst())
            .orElse(-1L);
    return new WorkTiming(worker, flops, kernel, bytes, nanos);
  }
}
