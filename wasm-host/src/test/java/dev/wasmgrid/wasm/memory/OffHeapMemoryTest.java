package dev.wasmgrid.wasm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import org.junit.jupiter.api.Test;

/** The guest memory outside the heap: wasm's semantics, growth, and freeing on close. */
class OffHeapMemoryTest {

  @Test
  void growingKeepsTheBytesAndMovesTheEdgeWhereAccessesTrap() {
    try (OffHeapMemory memory = new OffHeapMemory(new MemoryLimits(1, 4000))) {
      memory.writeLong(8, 0x0102030405060708L);
      memory.writeF64(Memory.PAGE_SIZE - 8, 2.5);
      assertThatThrownBy(() -> memory.readInt(Memory.PAGE_SIZE - 2))
          .isInstanceOf(WasmRuntimeException.class)
          .hasMessageContaining("out of bounds memory access");

      // Past the first region's capacity: the bytes move to a larger one.
      assertThat(memory.grow(2000)).isEqualTo(1);
      assertThat(memory.pages()).isEqualTo(2001);
      assertThat(memory.readLong(8)).isEqualTo(0x0102030405060708L);
      assertThat(memory.readDouble(Memory.PAGE_SIZE - 8)).isEqualTo(2.5);
      assertThat(memory.readInt(Memory.PAGE_SIZE - 2) >>> 16).isZero(); // 2 bytes of 2.5, 2 new
      assertThat(memory.readInt(Memory.PAGE_SIZE)).isZero();
      int end = 2001 * Memory.PAGE_SIZE;
      memory.writeByte(end - 1, (byte) 7);
      assertThat(memory.read(end - 1)).isEqualTo((byte) 7);
      assertThatThrownBy(() -> memory.read(end)).isInstanceOf(WasmRuntimeException.class);
      assertThatThrownBy(() -> memory.read(-1)).isInstanceOf(WasmRuntimeException.class);
      assertThat(memory.capacityBytes()).isGreaterThanOrEqualTo(end);

      assertThat(memory.grow(2000)).isEqualTo(-1); // over the maximum of 4000
      assertThat(memory.grow(-1)).isEqualTo(-1); // an unsigned 2^32 - 1 pages
      assertThat(memory.pages()).isEqualTo(2001);
    }
  }

  @Test
  void bulkOperationsFollowWasmBoundsAndOverlap() {
    try (OffHeapMemory memory = new OffHeapMemory(new MemoryLimits(1, 1))) {
      memory.write(100, new byte[] {1, 2, 3, 4, 5});
      memory.copy(102, 100, 5); // overlapping, destination after the source: memmove
      assertThat(memory.readBytes(100, 7)).containsExactly(1, 2, 1, 2, 3, 4, 5);
      memory.fill((byte) 9, 200, 300);
      assertThat(memory.readBytes(199, 102)[0]).isZero();
      assertThat(memory.readBytes(200, 100)).containsOnly(9);
      memory.copy(Memory.PAGE_SIZE, 0, 0); // zero bytes at the very end: allowed
      assertThatThrownBy(() -> memory.copy(Memory.PAGE_SIZE - 2, 0, 3))
          .isInstanceOf(WasmRuntimeException.class);
      assertThatThrownBy(() -> memory.fill((byte) 1, Memory.PAGE_SIZE - 1, Memory.PAGE_SIZE + 1))
          .isInstanceOf(WasmRuntimeException.class);
      assertThatThrownBy(() -> memory.readBytes(Memory.PAGE_SIZE - 1, Integer.MAX_VALUE))
          .isInstanceOf(WasmRuntimeException.class);
    }
  }

  @Test
  void afterCloseEveryAccessFailsInsteadOfTouchingFreedMemory() {
    OffHeapMemory memory = new OffHeapMemory(new MemoryLimits(1, 1));
    memory.writeI32(0, 42);
    memory.close();
    memory.close(); // idempotent
    assertThatThrownBy(() -> memory.readInt(0)).isInstanceOf(IllegalStateException.class);
  }
}
