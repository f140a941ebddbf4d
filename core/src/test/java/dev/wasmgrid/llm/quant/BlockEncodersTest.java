package dev.wasmgrid.llm.quant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.Quantizer;
import dev.wasmgrid.llm.TensorType;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The writer's encoders make blocks the decoders read back: encoding what was decoded gives the
 * same values again (so the encoder rounded to values its blocks hold exactly), and every value
 * lands within one quantization step of the input.
 */
class BlockEncodersTest {

  /** Blocks of uniform noise, then an all-zero block, an all-positive one and a spike. */
  private static float[] data(int blockSize) {
    Random r = new Random(17);
    float[] x = new float[blockSize * 16];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextDouble() * 2 - 1) * (1 + i / blockSize);
    }
    java.util.Arrays.fill(x, blockSize * 13, blockSize * 14, 0f);
    for (int i = blockSize * 14; i < blockSize * 15; i++) {
      x[i] = 0.5f + (float) r.nextDouble();
    }
    x[blockSize * 15 + 3] = 40f;
    return x;
  }

  private static float[] roundTrip(TensorType type, float[] x) {
    int blocks = x.length / type.blockSize();
    byte[] packed = new byte[blocks * type.blockBytes()];
    BlockEncoders.of(type).encode(x, 0, packed, 0, blocks);
    float[] out = new float[x.length];
    BlockCodecs.of(type).decode(packed, 0, out, 0, blocks);
    return out;
  }

  @ParameterizedTest
  @EnumSource(names = {"Q5_0", "Q4_K", "Q6_K"})
  void decodedValuesEncodeToThemselvesAndStayNearTheInput(TensorType type) {
    float[] x = data(type.blockSize());
    float[] once = roundTrip(type, x);
    assertThat(roundTrip(type, once)).containsExactly(once);
    int n = type.blockSize();
    for (int b = 0; b < x.length / n; b++) {
      float range = 0;
      for (int i = 0; i < n; i++) {
        range = Math.max(range, Math.abs(x[b * n + i]));
      }
      // Levels per sign: 16 (Q5_0), 32 (Q6_K), 7.5 over the range of a Q4_K sub-block.
      float step = 2 * range / (type == TensorType.Q4_K ? 15 : type == TensorType.Q5_0 ? 31 : 63);
      for (int i = 0; i < n; i++) {
        assertThat(Math.abs(once[b * n + i] - x[b * n + i]))
            .as("%s block %d weight %d", type, b, i)
            .isLessThanOrEqualTo(step * 1.01f + 1e-6f);
      }
    }
    assertThat(once).isNotEqualTo(x);
  }

  @ParameterizedTest
  @EnumSource(names = "Q8_0")
  void q8EncoderWritesWhatTheQuantizerComputes(TensorType type) {
    float[] x = data(32);
    byte[] packed = new byte[x.length / 32 * 34];
    BlockEncoders.of(type).encode(x, 0, packed, 0, x.length / 32);
    Q8Matrix q = Quantizer.q8(x, 1, x.length);
    for (int b = 0; b < x.length / 32; b++) {
      assertThat(Bytes.half(packed, 34 * b)).isEqualTo(q.scales()[b]);
      for (int i = 0; i < 32; i++) {
        assertThat(packed[34 * b + 2 + i]).isEqualTo(q.quants()[32 * b + i]);
      }
    }
  }
}
