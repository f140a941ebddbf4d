package dev.wasmgrid.wasm.recycle;

import dev.wasmgrid.wasm.GuestCall;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a proxy keeps its call log on disk, so that a worker started again rebuilds the state its
 * callers built: one file per state epoch, {@code <prefix>.<epoch>.calls} in a directory, each
 * state-building call appended (with its buffers' bytes) before its answer is returned. The file is
 * written through the operating system on every call but not forced to the device: it survives a
 * process that dies, not a machine that loses power.
 */
public final class CallJournal {

  private static final int MAGIC = 0x57474c31; // "WGL1"
  private static final Pattern EPOCH = Pattern.compile("[0-9a-f]{16}");
  private static final byte SCALAR = 0;
  private static final byte IN = 1;
  private static final byte OUT = 2;

  private final Optional<Path> dir;
  private final String prefix;
  private final Optional<String> resume;
  // Written under the proxy's state lock.
  private FileChannel channel;

  private CallJournal(Optional<Path> dir, String prefix, Optional<String> resume) {
    this.dir = dir;
    this.prefix = prefix;
    this.resume = resume;
  }

  /** No journal: the state lives in memory only. */
  public static CallJournal none() {
    return new CallJournal(Optional.empty(), "", Optional.empty());
  }

  /**
   * A journal in {@code dir} named after {@code prefix}, resuming the log of {@code epoch} when one
   * is given (a worker started again), else starting a new one.
   *
   * @throws IllegalArgumentException when {@code epoch} is not an epoch a proxy makes
   */
  public static CallJournal in(Path dir, String prefix, Optional<String> epoch) {
    epoch.ifPresent(
        e -> {
          if (!EPOCH.matcher(e).matches()) {
            throw new IllegalArgumentException("not a state epoch: " + e);
          }
        });
    return new CallJournal(Optional.of(dir), prefix, epoch);
  }

  /** The file of {@code epoch}'s log under {@code prefix} in {@code dir}. */
  public static Path file(Path dir, String prefix, String epoch) {
    return dir.resolve(prefix + "." + epoch + ".calls");
  }

  /** Whether the journal keeps anything. */
  boolean kept() {
    return dir.isPresent();
  }

  /** The epoch to resume, if any. */
  Optional<String> resumes() {
    return resume;
  }

  /**
   * The stored log of the epoch to resume.
   *
   * @throws IOException when the file is missing, truncated or not a log
   */
  CallLog read() throws IOException {
    String epoch = resume.orElseThrow();
    Path file = file(dir.orElseThrow(), prefix, epoch);
    List<CallLog.Entry> entries = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      if (in.readInt() != MAGIC || !in.readUTF().equals(epoch)) {
        throw new IOException(file + " is not the call log of state epoch " + epoch);
      }
      while (true) {
        int length;
        try {
          length = in.readInt();
        } catch (EOFException end) {
          break;
        }
        entries.add(entry(in, length, file));
      }
    } catch (NoSuchFileException e) {
      throw new IOException("its call log " + file + " is missing", e);
    } catch (EOFException e) {
      throw new IOException(file + " ends inside a call: it was cut short", e);
    }
    return new CallLog(epoch, entries);
  }

  /** Opens the file of {@code log}'s epoch for appending; a new log's file starts empty. */
  void open(CallLog log, boolean resumed) {
    if (dir.isEmpty()) {
      return;
    }
    Path file = file(dir.get(), prefix, log.epoch());
    try {
      if (resumed) {
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      } else {
        channel =
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(header);
        out.writeInt(MAGIC);
        out.writeUTF(log.epoch());
        write(header.toByteArray());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the call log " + file, e);
    }
  }

  /**
   * Appends {@code entry}.
   *
   * @throws UncheckedIOException when it cannot be written
   */
  void append(CallLog.Entry entry) {
    if (channel == null) {
      return;
    }
    try {
      ByteArrayOutputStream record = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(record);
      out.writeInt(0); // the length, set below
      out.writeUTF(entry.export());
      out.writeLong(entry.handle());
      out.writeLong(entry.expected());
      out.writeBoolean(entry.digested());
      out.writeInt(entry.call().args().size());
      for (GuestCall.Arg arg : entry.call().args()) {
        switch (arg) {
          case GuestCall.Scalar s -> {
            out.writeByte(SCALAR);
            out.writeLong(s.value());
          }
          case GuestCall.In in -> {
            out.writeByte(IN);
            out.writeInt(in.length());
            out.write(in.array());
          }
          case GuestCall.Out o -> {
            out.writeByte(OUT);
            out.writeInt(o.length());
          }
        }
      }
      byte[] bytes = record.toByteArray();
      ByteBuffer.wrap(bytes).putInt(0, bytes.length - Integer.BYTES);
      write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to the call log: " + e.getMessage(), e);
    }
  }

  /** Closes the file; it stays on disk for a worker started again. */
  void close() {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing more will be written; what was written is in the file.
    }
  }

  private void write(byte[] bytes) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private static CallLog.Entry entry(DataInputStream in, int length, Path file) throws IOException {
    if (length < 0) {
      throw new IOException(file + " has a call of negative length");
    }
    byte[] bytes = in.readNBytes(length);
    if (bytes.length < length) {
      throw new EOFException();
    }
    DataInputStream record = new DataInputStream(new ByteArrayInputStream(bytes));
    String export = record.readUTF();
    long handle = record.readLong();
    long expected = record.readLong();
    boolean digested = record.readBoolean();
    int count = record.readInt();
    if (count < 0 || count > length) {
      throw new IOException(file + " has a call with " + count + " arguments");
    }
    List<GuestCall.Arg> args = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte tag = record.readByte();
      switch (tag) {
        case SCALAR -> args.add(new GuestCall.Scalar(record.readLong()));
        case IN -> {
          int n = record.readInt();
          byte[] data = record.readNBytes(Math.max(0, n));
          if (n < 0 || data.length != n) {
            throw new IOException(file + " has a buffer cut short");
          }
          args.add(new GuestCall.In(ByteBuffer.wrap(data)));
        }
        case OUT -> args.add(new GuestCall.Out(record.readInt()));
        default -> throw new IOException(file + " has an argument of unknown kind " + tag);
      }
    }
    return new CallLog.Entry(new GuestCall(export, args), handle, expected, digested);
  }
}
