package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The hand-written float-to-half rounding, against the JDK's, where rounding is decided. */
class HalfRoundingTest {

  @Test
  void roundsLikeTheJdkAroundEveryHalfValueAndMidpoint() {
    for (int h = 0; h < 65536; h++) {
      float value = Float.float16ToFloat((short) h);
      if (Float.isNaN(value) || Float.isInfinite(value)) {
        continue;
      }
      int bits = Float.floatToRawIntBits(value);
      // The half value, its float neighbours, and the midpoint to the next half and its neighbours.
      int mid = bits + (1 << 12);
      for (int b : new int[] {bits - 1, bits, bits + 1, mid - 1, mid, mid + 1}) {
        check(b);
      }
    }
  }

  @Test
  void roundsLikeTheJdkAcrossAllFloats() {
    for (long b = Integer.MIN_VALUE; b <= Integer.MAX_VALUE; b += 4099) {
      check((int) b);
    }
    for (int b : new int[] {0, 0x8000_0000, 0x7f80_0000, 0xff80_0000, 0x7fc0_0000, 0x7f80_0001}) {
      check(b);
    }
  }

  private static void check(int bits) {
    float f = Float.intBitsToFloat(bits);
    if (Float.isNaN(f)) {
      // The JDK's intrinsic quiets NaNs, its Java code keeps the payload: only NaN-ness is defined.
      assertThat(Float.isNaN(Half.toFloat(Half.fromFloat(f)))).as("float 0x%08x", bits).isTrue();
      return;
    }
    assertThat(Half.fromFloat(f)).as("float 0x%08x", bits).isEqualTo(Float.floatToFloat16(f));
  }
}
