package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalfTest {
  @Test
  void everyHalfConvertsLikeTheJdk() {
    for (int bits = 0; bits < 65536; bits++) {
      float expected = Float.float16ToFloat((short) bits);
      float actual = Half.toFloat((short) bits);
      if (Float.isNaN(expected)) {
        assertThat(actual).isNaN();
      } else {
        assertThat(Float.floatToRawIntBits(actual))
            .as("half 0x%04x", bits)
            .isEqualTo(Float.floatToRawIntBits(expected));
      }
    }
  }
}
