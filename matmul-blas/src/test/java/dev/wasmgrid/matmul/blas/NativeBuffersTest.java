package dev.wasmgrid.matmul.blas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.matmul.GemmUnavailableException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class NativeBuffersTest {

  @BeforeAll
  static void loadNatives() throws GemmUnavailableException {
    OpenBlasGemm.load(1); // also loads JavaCPP's own natives, which malloc and free need
  }

  @Test
  void reusesABufferThatIsBigEnough() {
    NativeBuffers buffers = new NativeBuffers(1 << 20);
    NativeBuffers.Buffer first = buffers.take(1000);
    long address = first.memory().address();
    buffers.give(first);
    assertThat(buffers.idleBytes()).isEqualTo(1000);

    NativeBuffers.Buffer again = buffers.take(800);
    assertThat(again.memory().address()).isEqualTo(address);
    assertThat(buffers.idleBytes()).isZero();
    buffers.give(again);
  }

  @Test
  void takesTheSmallestBufferThatFits() {
    NativeBuffers buffers = new NativeBuffers(1 << 20);
    NativeBuffers.Buffer small = buffers.take(100);
    NativeBuffers.Buffer medium = buffers.take(1000);
    NativeBuffers.Buffer large = buffers.take(10_000);
    buffers.give(large);
    buffers.give(small);
    buffers.give(medium);

    NativeBuffers.Buffer taken = buffers.take(500);
    assertThat(taken.bytes()).isEqualTo(1000);
    buffers.give(taken);
  }

  @Test
  void keepsNoMoreThanTheLimitDroppingTheSmallestFirst() {
    NativeBuffers buffers = new NativeBuffers(3000);
    NativeBuffers.Buffer a = buffers.take(1000);
    NativeBuffers.Buffer b = buffers.take(1500);
    NativeBuffers.Buffer c = buffers.take(2000);
    NativeBuffers.Buffer tooBig = buffers.take(5000);
    buffers.give(a);
    buffers.give(b);
    assertThat(buffers.idleBytes()).isEqualTo(2500);
    buffers.give(c); // 4500 > 3000: the 1000 and then the 1500 go
    assertThat(buffers.idleBytes()).isEqualTo(2000);
    buffers.give(tooBig); // over the limit by itself: freed, and the others stay
    assertThat(buffers.idleBytes()).isEqualTo(2000);
  }

  @Test
  void operandsGoBackWhenClosed() {
    NativeBuffers buffers = new NativeBuffers(1 << 20);
    try (NativeBuffers.Operands operands = buffers.operands(10, 20, 30)) {
      assertThat(operands.a().isNull()).isFalse();
      assertThat(buffers.idleBytes()).isZero();
    }
    assertThat(buffers.idleBytes()).isEqualTo(60);
  }
}
