package dev.wasmgrid.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class KernelTimeTest {
  @Test
  void formatsAndParsesMilliseconds() {
    assertThat(KernelTime.format(12_345_678)).isEqualTo("kernel;dur=12.346");
    assertThat(KernelTime.parse(KernelTime.format(12_345_678))).hasValue(12_346_000);
  }

  @Test
  void findsTheKernelEntryAmongOthers() {
    assertThat(KernelTime.parse("db;dur=3.5, kernel;desc=\"blas\";dur=7")).hasValue(7_000_000);
    assertThat(KernelTime.parse("cache;dur=1, app;dur=2")).isEqualTo(OptionalLong.empty());
    assertThat(KernelTime.parse("kernelx;dur=4")).isEqualTo(OptionalLong.empty());
    assertThat(KernelTime.parse("kernel;dur=-1")).isEqualTo(OptionalLong.empty());
  }
}
