package dev.wasmgrid.matmul.jobs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.coordinator.MatmulPolicy;
import java.time.Instant;
import java.util.Optional;

/**
 * A snapshot of one job, as {@code GET /v1/jobs/{id}} and each server-sent event report it.
 *
 * @param id the job's unguessable id: whoever holds it can read, cancel and fetch the job, so it is
 *     only ever told to its submitter (see {@link #ref})
 * @param requestedMode the {@code ?mode=} it was submitted with ({@code auto} when absent)
 * @param distributed where it runs, decided once when it was submitted: split over the workers, or
 *     whole on one kernel
 * @param blocksDone tiles of C computed so far
 * @param blocksTotal tiles C is cut into; 0 until the job has started (the split depends on the
 *     workers up then), 1 for a product computed whole
 * @param bytesSent operand bytes sent to workers so far (0 when computed whole)
 * @param bytesReceived result bytes received from workers so far
 * @param elapsedMillis from submission to the end, or to now while it is not finished
 * @param error why it failed; empty unless {@code state} is {@code failed}
 * @param version increases with every change, so a watcher can tell a change from a timeout
 */
public record JobStatus(
    String id,
    JobState state,
    MatmulPolicy.Mode requestedMode,
    boolean distributed,
    Dtype dtype,
    int m,
    int k,
    int n,
    int blocksDone,
    int blocksTotal,
    long bytesSent,
    long bytesReceived,
    Instant submittedAt,
    Optional<Instant> startedAt,
    Optional<Instant> finishedAt,
    long elapsedMillis,
    Optional<Reason> error,
    long version) {

  /** How many of the id's hex digits its {@link #ref} keeps: 32 bits, far from a usable id. */
  static final int REF_DIGITS = 8;

  /** Why a job failed: the error code and message its product ended with. */
  public record Reason(String code, String message) {}

  /**
   * A short reference to the job that grants nothing: the id's first {@value #REF_DIGITS} hex
   * digits, for the list of jobs and for logs, which other people read.
   */
  public String ref() {
    return ref(id);
  }

  /** The {@link #ref} of the job with this id. */
  static String ref(String id) {
    return id.substring(0, Math.min(REF_DIGITS, id.length()));
  }

  /** The status as the JSON object of docs/api.md ("Jobs"). */
  public ObjectNode toJson() {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("id", id);
    putFields(json);
    return json;
  }

  /** The status as {@code GET /v1/jobs} lists it: {@link #ref} in place of the id. */
  public ObjectNode toListedJson() {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("ref", ref());
    putFields(json);
    return json;
  }

  private void putFields(ObjectNode json) {
    json.put("state", state.wireName());
    json.put("mode", distributed ? "distributed" : "local");
    json.put("requested_mode", requestedMode.wireName());
    json.put("dtype", dtype.wireName());
    json.put("m", m);
    json.put("k", k);
    json.put("n", n);
    json.put("blocks_done", blocksDone);
    json.put("blocks_total", blocksTotal);
    json.put("bytes_sent", bytesSent);
    json.put("bytes_received", bytesReceived);
    json.put("submitted_at", submittedAt.toString());
    putInstant(json, "started_at", startedAt);
    putInstant(json, "finished_at", finishedAt);
    json.put("elapsed_ms", elapsedMillis);
    error.ifPresent(
        failure -> {
          ObjectNode inner = json.putObject("error");
          inner.put("code", failure.code());
          inner.put("message", failure.message());
        });
  }

  private static void putInstant(ObjectNode json, String name, Optional<Instant> instant) {
    if (instant.isPresent()) {
      json.put(name, instant.get().toString());
    } else {
      json.putNull(name);
    }
  }
}
