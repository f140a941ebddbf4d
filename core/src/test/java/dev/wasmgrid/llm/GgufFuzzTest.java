package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.gguf.GgufReader;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded mutations of a valid GGUF file through the parser and loader: every outcome is a loaded
 * model or a {@link ModelFormatException}; any other exception or error (out of memory, index out
 * of bounds, arithmetic overflow) fails the test. Mutations aim at the header, where counts,
 * lengths, types and offsets live; one kind sets a tensor's type to any GGML id, so that every
 * packed type's decoding meets blocks and shapes it was not written for. The files are the
 * project's own Q4_0 writer output and llama.cpp's mixes of packed types.
 */
class GgufFuzzTest {
  private static final int ITERATIONS = 2000;

  @ParameterizedTest
  @ValueSource(strings = {"own-Q4_0", "Q4_K_M", "Q2_K", "Q3_K_L", "IQ4_XS", "Q5_1", "BF16"})
  void mutatedFilesNeverCrashTheParser(String file) {
    byte[] valid =
        file.equals("own-Q4_0")
            ? TestModels.gguf(TestModels.weights(), TensorType.Q4_0)
            : LlamaCppFixtures.model(file);
    int[] typeFields =
        GgufReader.read(TestModels.source(valid)).tensors().keySet().stream()
            .mapToInt(name -> GgufReaderTest.typeFieldOf(valid, name))
            .toArray();
    // The tensor data begins after the last entry (type, then a 64-bit offset).
    int header = Arrays.stream(typeFields).max().orElseThrow() + 12;
    SplittableRandom r = new SplittableRandom(7);
    int rejected = 0;
    int loaded = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] b = mutate(valid, header, typeFields, r);
      try {
        GgufModels.load(TestModels.source(b));
        loaded++;
      } catch (ModelFormatException e) {
        assertThat(e.getMessage()).isNotBlank();
        rejected++;
      } catch (RuntimeException | Error e) {
        throw new AssertionError("iteration " + i + " crashed the parser", e);
      }
    }
    // The mutations must actually reach the checks, not be absorbed harmlessly, and leave files
    // that load, so that decoding runs on what the checks let through.
    assertThat(rejected).isGreaterThan(ITERATIONS / 4);
    assertThat(loaded).isGreaterThan(ITERATIONS / 20);
  }

  private static byte[] mutate(byte[] valid, int header, int[] typeFields, SplittableRandom r) {
    byte[] b = valid.clone();
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits; e++) {
      int at = r.nextInt(header);
      switch (r.nextInt(6)) {
        case 0 -> b[at] = (byte) r.nextInt(256);
        case 1 -> b[at] ^= (byte) (1 << r.nextInt(8));
        case 2 -> {
          // A large or negative 64-bit value where a count or length may be.
          long v = r.nextBoolean() ? r.nextLong() : (1L << r.nextInt(63));
          for (int k = 0; k < 8 && at + k < b.length; k++) {
            b[at + k] = (byte) (v >>> (8 * k));
          }
        }
        case 3 -> b[at] = (byte) (r.nextBoolean() ? 0xff : 0);
        case 4 -> {
          // Another type for a tensor: GGML ids run 0..39.
          int field = typeFields[r.nextInt(typeFields.length)];
          b[field] = (byte) r.nextInt(41);
          b[field + 1] = 0;
          b[field + 2] = 0;
          b[field + 3] = 0;
        }
        default -> {
          return Arrays.copyOf(b, r.nextInt(b.length));
        }
      }
    }
    return b;
  }
}
