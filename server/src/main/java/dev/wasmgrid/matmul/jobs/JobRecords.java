package dev.wasmgrid.matmul.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.coordinator.MatmulPolicy;
import dev.wasmgrid.storage.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs' records on disk, one JSON file per job named by its id, holding its status as {@code
 * GET /v1/jobs/{id}} reports it: so that a restarted coordinator can say what became of a job. Each
 * save writes a temporary file and renames it over the record, so a crash leaves the old record or
 * the new one, never a torn one. C is not kept: it lives in memory only. Files are readable by
 * their owner only, since an id grants access to its job.
 */
final class JobRecords {
  private static final Logger LOG = LoggerFactory.getLogger(JobRecords.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SUFFIX = ".json";
  private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");

  /** Where records go; empty when jobs are kept in memory only. */
  private final Optional<Path> dir;

  private JobRecords(Optional<Path> dir) {
    this.dir = dir;
  }

  /** Records kept nowhere: every method does nothing. */
  static JobRecords none() {
    return new JobRecords(Optional.empty());
  }

  /**
   * Records kept in {@code dir}, created when missing.
   *
   * @throws UncheckedIOException when it cannot be created
   */
  static JobRecords in(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the jobs directory " + dir, e);
    }
    return new JobRecords(Optional.of(dir));
  }

  /**
   * Writes a job's record. A failure is logged, not thrown: the job goes on, only its record is
   * stale.
   */
  void save(JobStatus status) {
    if (dir.isEmpty()) {
      return;
    }
    try {
      AtomicFiles.write(
          dir.get().resolve(status.id() + SUFFIX),
          status.toJson().toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      LOG.warn("cannot save the record of job {} in {}: {}", status.ref(), dir.get(), e.toString());
    }
  }

  /** Deletes a job's record, once the job is no longer kept. */
  void delete(String id) {
    if (dir.isEmpty()) {
      return;
    }
    try {
      Files.deleteIfExists(dir.get().resolve(id + SUFFIX));
    } catch (IOException e) {
      LOG.warn(
          "cannot delete the record of job {} in {}: {}",
          JobStatus.ref(id),
          dir.get(),
          e.toString());
    }
  }

  /**
   * Every record kept, in no particular order. Unreadable records and temporaries left by a crash
   * are deleted with a warning: a record that cannot be read says nothing.
   */
  List<JobStatus> load() {
    List<JobStatus> records = new ArrayList<>();
    if (dir.isEmpty()) {
      return records;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.get())) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (AtomicFiles.isTemporary(file)) {
          Files.deleteIfExists(file);
        } else if (name.endsWith(SUFFIX)) {
          read(file).ifPresent(records::add);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the jobs directory " + dir.get(), e);
    }
    return records;
  }

  private static Optional<JobStatus> read(Path file) throws IOException {
    String name = file.getFileName().toString();
    try {
      JsonNode json = JSON.readTree(file.toFile());
      String id = json.path("id").asText();
      if (!ID.matcher(id).matches() || !name.equals(id + SUFFIX)) {
        throw new IllegalArgumentException("the id does not match the file name");
      }
      return Optional.of(parse(id, json));
    } catch (IOException | RuntimeException e) {
      LOG.warn("deleting the unreadable job record {}: {}", file, e.toString());
      Files.deleteIfExists(file);
      return Optional.empty();
    }
  }

  private static JobStatus parse(String id, JsonNode json) {
    Optional<JobStatus.Reason> error =
        json.has("error")
            ? Optional.of(
                new JobStatus.Reason(
                    required(json.path("error"), "code").asText(),
                    json.path("error").path("message").asText()))
            : Optional.empty();
    return new JobStatus(
        id,
        JobState.valueOf(required(json, "state").asText().toUpperCase(Locale.ROOT)),
        MatmulPolicy.Mode.parse(required(json, "requested_mode").asText(), "requested_mode"),
        required(json, "mode").asText().equals("distributed"),
        Dtype.parse(required(json, "dtype").asText()),
        required(json, "m").asInt(),
        required(json, "k").asInt(),
        required(json, "n").asInt(),
        json.path("blocks_done").asInt(),
        json.path("blocks_total").asInt(),
        json.path("bytes_sent").asLong(),
        json.path("bytes_received").asLong(),
        Instant.parse(required(json, "submitted_at").asText()),
        instant(json, "started_at"),
        instant(json, "finished_at"),
        json.path("elapsed_ms").asLong(),
        error,
        0);
  }

  private static JsonNode required(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("no " + field);
    }
    return value;
  }

  private static Optional<Instant> instant(JsonNode json, String field) {
    JsonNode value = json.get(field);
    return value == null || value.isNull()
        ? Optional.empty()
        : Optional.of(Instant.parse(value.asText()));
  }
}
