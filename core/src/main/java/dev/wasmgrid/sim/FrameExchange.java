package dev.wasmgrid.sim;

import java.util.List;

/**
 * Carries binary frames between partitions. In one JVM a {@link Mailboxes} hands the arrays over;
 * between processes an implementation would post the same bytes over HTTP or WebSocket.
 */
public interface FrameExchange {

  /** Queues {@code frame} from partition {@code from} for partition {@code to}. */
  void send(int from, int to, byte[] frame);

  /**
   * Everything sent to {@code to} since the last call, ordered by sender. Called after the phase
   * barrier, so every sender has finished.
   */
  List<byte[]> receive(int to);
}
