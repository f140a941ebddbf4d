package dev.wasmgrid.llm.gguf;

import dev.wasmgrid.llm.ModelFormatException;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.io.ByteCursor;
import dev.wasmgrid.llm.io.ByteSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the header of a GGUF (v2 or v3, little-endian) file: metadata and tensor entries. Every
 * declared count and size is checked against the bytes left before anything is allocated, so a
 * corrupt file fails with a {@link ModelFormatException} and never exhausts memory.
 */
public final class GgufReader {

  /** "GGUF" read as a little-endian int. */
  public static final int MAGIC = 0x46554747;

  static final int DEFAULT_ALIGNMENT = 32;
  private static final int MAX_DIMS = 4;
  private static final int TYPE_STRING = 8;
  private static final int TYPE_ARRAY = 9;

  private GgufReader() {}

  /**
   * Reads the header of {@code source}.
   *
   * @throws ModelFormatException if the file is not a GGUF v2/v3 file, is truncated or corrupt, or
   *     holds a tensor type this runtime does not support
   */
  public static GgufFile read(ByteSource source) {
    ByteCursor in = new ByteCursor(source, "GGUF");
    int magic = in.i32("magic");
    if (magic != MAGIC) {
      throw new ModelFormatException(
          "not a GGUF file: magic is 0x" + Integer.toHexString(magic) + ", expected 0x46554747");
    }
    int version = in.i32("version");
    if (version != 2 && version != 3) {
      throw new ModelFormatException("GGUF version " + version + " not supported (2 or 3)");
    }
    // A tensor entry is at least 24 bytes (name length, dims, type, offset), a key-value 13.
    int tensorCount = in.checkCount(in.i64("tensor_count"), 24, "tensor_count");
    int kvCount = in.checkCount(in.i64("metadata_kv_count"), 13, "metadata_kv_count");
    Map<String, Object> metadata = new LinkedHashMap<>();
    for (int i = 0; i < kvCount; i++) {
      String key = in.string(in.i64("metadata key length"), "metadata key");
      int type = in.i32("type of " + key);
      Object value = value(in, type, key, true);
      if (metadata.put(key, value) != null) {
        throw new ModelFormatException("GGUF: metadata key " + key + " appears twice");
      }
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < tensorCount; i++) {
      entries.add(tensorEntry(in));
    }
    long alignment = DEFAULT_ALIGNMENT;
    Object a = metadata.get("general.alignment");
    if (a != null) {
      if (!(a instanceof Long n) || n < 1 || n > (1 << 16) || Long.bitCount(n) != 1) {
        throw new ModelFormatException(
            "GGUF: general.alignment must be a power of two <= 65536, is " + a);
      }
      alignment = n;
    }
    long dataStart = (in.position() + alignment - 1) / alignment * alignment;
    Map<String, GgufTensor> tensors = new LinkedHashMap<>();
    for (Entry e : entries) {
      GgufTensor t = e.place(dataStart, alignment, source.size());
      if (tensors.put(t.name(), t) != null) {
        throw new ModelFormatException("GGUF: tensor " + t.name() + " appears twice");
      }
    }
    return new GgufFile(version, metadata, tensors, source);
  }

  private record Entry(String name, List<Long> dims, TensorType type, long relOffset) {
    GgufTensor place(long dataStart, long alignment, long fileSize) {
      long elements = 1;
      for (long d : dims) {
        elements = Math.multiplyExact(elements, d);
      }
      if (type.blockSize() > 1 && dims.get(0) % type.blockSize() != 0) {
        throw new ModelFormatException(
            "GGUF: tensor "
                + name
                + " has rows of "
                + dims.get(0)
                + " elements, not a multiple of "
                + type.blockSize()
                + " as "
                + type
                + " needs");
      }
      long bytes = type.bytesFor(elements);
      if (relOffset % alignment != 0) {
        throw new ModelFormatException(
            "GGUF: tensor " + name + " offset " + relOffset + " is not aligned to " + alignment);
      }
      if (relOffset > fileSize - dataStart || bytes > fileSize - dataStart - relOffset) {
        throw new ModelFormatException(
            "GGUF: tensor "
                + name
                + " ("
                + bytes
                + " bytes at data offset "
                + relOffset
                + ") runs past the end of the file ("
                + fileSize
                + " bytes): truncated?");
      }
      return new GgufTensor(name, dims, type, dataStart + relOffset, bytes);
    }
  }

  private static Entry tensorEntry(ByteCursor in) {
    String name = in.string(in.i64("tensor name length"), "tensor name");
    int nDims = in.i32("n_dims of " + name);
    if (nDims < 1 || nDims > MAX_DIMS) {
      throw new ModelFormatException(
          "GGUF: tensor " + name + " has " + nDims + " dimensions (1 to " + MAX_DIMS + ")");
    }
    List<Long> dims = new ArrayList<>();
    long elements = 1;
    for (int d = 0; d < nDims; d++) {
      long size = in.i64("dimension " + d + " of " + name);
      if (size < 1 || size > Integer.MAX_VALUE) {
        throw new ModelFormatException(
            "GGUF: tensor "
                + name
                + " dimension "
                + d
                + " = "
                + Long.toUnsignedString(size)
                + " outside [1, "
                + Integer.MAX_VALUE
                + "]");
      }
      elements *= size;
      if (elements > (1L << 40)) {
        throw new ModelFormatException("GGUF: tensor " + name + " has too many elements");
      }
      dims.add(size);
    }
    int typeId = in.i32("type of " + name);
    TensorType type;
    try {
      type = TensorType.ofGgml(typeId);
    } catch (ModelFormatException e) {
      throw new ModelFormatException("GGUF: tensor " + name + ": " + e.getMessage(), e);
    }
    long offset = in.i64("offset of " + name);
    if (offset < 0) {
      throw new ModelFormatException("GGUF: tensor " + name + " has a negative offset");
    }
    return new Entry(name, dims, type, offset);
  }

  private static Object value(ByteCursor in, int type, String key, boolean arrayAllowed) {
    return switch (type) {
      case 0 -> (long) in.u8(key);
      case 1 -> (long) (byte) in.u8(key);
      case 2 -> (long) (in.i16(key) & 0xffff);
      case 3 -> (long) in.i16(key);
      case 4 -> in.i32(key) & 0xffffffffL;
      case 5 -> (long) in.i32(key);
      case 6 -> (double) in.f32(key);
      case 7 -> in.u8(key) != 0;
      case TYPE_STRING -> in.string(in.i64("length of " + key), key);
      case TYPE_ARRAY -> {
        if (!arrayAllowed) {
          throw new ModelFormatException("GGUF: metadata " + key + " nests arrays, not supported");
        }
        int elemType = in.i32("element type of " + key);
        int count = in.checkCount(in.i64("length of " + key), minBytes(elemType, key), key);
        List<Object> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          list.add(value(in, elemType, key, false));
        }
        yield list;
      }
      case 10, 11 -> in.i64(key);
      case 12 -> in.f64(key);
      default ->
          throw new ModelFormatException("GGUF: metadata " + key + " has unknown type " + type);
    };
  }

  private static long minBytes(int type, String key) {
    return switch (type) {
      case 0, 1, 7 -> 1;
      case 2, 3 -> 2;
      case 4, 5, 6 -> 4;
      case TYPE_STRING, 10, 11, 12 -> 8;
      case TYPE_ARRAY ->
          throw new ModelFormatException("GGUF: metadata " + key + " nests arrays, not supported");
      default ->
          throw new ModelFormatException(
              "GGUF: metadata " + key + " has unknown element type " + type);
    };
  }
}
