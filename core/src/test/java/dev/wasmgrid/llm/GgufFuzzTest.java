package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.gguf.GgufModels;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutations of a valid GGUF file through the parser and loader: every outcome is a loaded
 * model or a {@link ModelFormatException}; any other exception or error (out of memory, index out
 * of bounds, arithmetic overflow) fails the test. Mutations aim at the header, where counts,
 * lengths, types and offsets live.
 */
class GgufFuzzTest {
  private static final int ITERATIONS = 2000;

  @Test
  void mutatedFilesNeverCrashTheParser() {
    FloatWeights w = TestModels.weights();
    byte[] valid = TestModels.gguf(w, TensorType.Q4_0);
    int header = headerLength(valid);
    SplittableRandom r = new SplittableRandom(7);
    int rejected = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] b = mutate(valid, header, r);
      try {
        GgufModels.load(TestModels.source(b));
      } catch (ModelFormatException e) {
        assertThat(e.getMessage()).isNotBlank();
        rejected++;
      } catch (RuntimeException | Error e) {
        throw new AssertionError("iteration " + i + " crashed the parser", e);
      }
    }
    // The mutations must actually reach the checks, not be absorbed harmlessly.
    assertThat(rejected).isGreaterThan(ITERATIONS / 4);
  }

  private static byte[] mutate(byte[] valid, int header, SplittableRandom r) {
    byte[] b = valid.clone();
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits; e++) {
      int at = r.nextInt(header);
      switch (r.nextInt(5)) {
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
        default -> {
          return Arrays.copyOf(b, r.nextInt(b.length));
        }
      }
    }
    return b;
  }

  /** Where the tensor data begins (after the last tensor entry): past it mutations are benign. */
  private static int headerLength(byte[] b) {
    int at =
        GgufReaderTest.indexOf(
            b, "output.weight".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);
    return at + 64;
  }
}
