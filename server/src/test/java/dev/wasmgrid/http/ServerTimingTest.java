package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ServerTimingTest {
  @Test
  void formatsAndParsesMilliseconds() {
    String kernel = ServerTiming.format(ServerTiming.KERNEL, 12_345_678);
    assertThat(kernel).isEqualTo("kernel;dur=12.346");
    assertThat(ServerTiming.parse(kernel, ServerTiming.KERNEL)).hasValue(12_346_000);
    assertThat(ServerTiming.parse(kernel, ServerTiming.PRODUCT)).isEmpty();
  }

  @Test
  void findsTheNamedEntryAmongOthers() {
    String both = "db;dur=3.5, kernel;desc=\"blas\";dur=7, product;dur=9.25";
    assertThat(ServerTiming.parse(both, ServerTiming.KERNEL)).hasValue(7_000_000);
    assertThat(ServerTiming.parse(both, ServerTiming.PRODUCT)).hasValue(9_250_000);
    assertThat(ServerTiming.parse("cache;dur=1, app;dur=2", "kernel"))
        .isEqualTo(OptionalLong.empty());
    assertThat(ServerTiming.parse("kernelx;dur=4", "kernel")).isEqualTo(OptionalLong.empty());
    assertThat(ServerTiming.parse("kernel;dur=-1", "kernel")).isEqualTo(OptionalLong.empty());
  }
}
