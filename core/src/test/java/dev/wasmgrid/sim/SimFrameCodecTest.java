package dev.wasmgrid.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Binary ghost and migration frames: exact round trip, clear errors on damaged bytes. */
class SimFrameCodecTest {

  @Test
  void roundTripKeepsEveryBit() {
    EntityTable t = new EntityTable(4);
    t.append(
        1L << 62 | 12345L,
        WorldRules.PREDATOR,
        77,
        1.5f,
        -0f,
        Float.MIN_VALUE,
        -3.25f,
        1e9f,
        2.9f,
        39.5f,
        -0.75f,
        1.25f,
        0.125f);
    t.append(7, WorldRules.PREY, 0, 399.99f, 0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f);
    t.append(9, WorldRules.PREY, 3, 5f, 6f, 7f, 8f, 9f, 1f, 2f, 3f, 4f, 5f);
    int[] rows = {2, 0};
    byte[] bytes =
        FrameCodec.encode(
            FrameCodec.GHOST, 1234567890123L, t, rows, 2, new int[] {4, 9}, new int[] {0, 61}, 2);
    assertThat(bytes).hasSize(FrameCodec.HEADER_BYTES + 2 * EntityTable.ROW_BYTES + 2 * 8);
    // Little-endian magic "WGSF".
    assertThat(Arrays.copyOf(bytes, 4)).containsExactly('W', 'G', 'S', 'F');

    SimFrame frame = FrameCodec.decode(bytes);
    assertThat(frame.kind()).isEqualTo(FrameCodec.GHOST);
    assertThat(frame.tick()).isEqualTo(1234567890123L);
    EntityTable back = frame.entities();
    assertThat(back.count()).isEqualTo(2);
    for (int k = 0; k < 2; k++) {
      int i = rows[k];
      assertThat(back.id[k]).isEqualTo(t.id[i]);
      assertThat(back.species[k]).isEqualTo(t.species[i]);
      assertThat(back.age[k]).isEqualTo(t.age[i]);
      float[][] columns = {
        t.x, t.y, t.vx, t.vy, t.energy, t.maxSpeed, t.view, t.viewCos, t.size, t.aggression
      };
      float[][] decoded = {
        back.x,
        back.y,
        back.vx,
        back.vy,
        back.energy,
        back.maxSpeed,
        back.view,
        back.viewCos,
        back.size,
        back.aggression
      };
      for (int c = 0; c < columns.length; c++) {
        assertThat(Float.floatToRawIntBits(decoded[c][k]))
            .isEqualTo(Float.floatToRawIntBits(columns[c][i]));
      }
    }
    assertThat(frame.foodIndex()).containsExactly(4, 9);
    assertThat(frame.foodTimer()).containsExactly(0, 61);
  }

  @Test
  void framesReadIntoOneTableReuseItsArrays() {
    // A partition reads every frame of every tick into one table: no table per frame.
    EntityTable t = new EntityTable(4);
    for (int i = 0; i < 3; i++) {
      t.append(i, WorldRules.PREY, i, i, 2f * i, 0f, 0f, 5f, 1f, 10f, 0f, 1f, 0f);
    }
    byte[] three =
        FrameCodec.encode(
            FrameCodec.GHOST, 8, t, new int[] {0, 1, 2}, 3, new int[] {5}, new int[] {7}, 1);
    byte[] one =
        FrameCodec.encode(FrameCodec.GHOST, 8, t, new int[] {2}, 1, new int[0], new int[0], 0);
    EntityTable into = new EntityTable(16);
    float[] xs = into.x;

    SimFrame first = FrameCodec.decode(three, into);
    assertThat(first.entities()).isSameAs(into);
    assertThat(into.count()).isEqualTo(3);
    assertThat(first.foodIndex()).containsExactly(5);
    SimFrame second = FrameCodec.decode(one, into);
    assertThat(second.entities()).isSameAs(into);
    assertThat(into.count()).isEqualTo(1);
    assertThat(into.id(0)).isEqualTo(2);
    assertThat(into.y(0)).isEqualTo(4f);
    assertThat(into.x).isSameAs(xs);
  }

  @Test
  void truncatedOrDamagedFramesAreRejected() {
    EntityTable t = new EntityTable(1);
    t.append(1, WorldRules.PREY, 0, 1f, 2f, 0f, 0f, 5f, 1f, 10f, 0f, 1f, 0f);
    byte[] bytes =
        FrameCodec.encode(FrameCodec.MIGRATE, 3, t, new int[] {0}, 1, new int[0], new int[0], 0);

    assertThatThrownBy(() -> FrameCodec.decode(Arrays.copyOf(bytes, bytes.length - 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> FrameCodec.decode(Arrays.copyOf(bytes, 10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> FrameCodec.decode(Arrays.copyOf(bytes, bytes.length + 8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too long");
    byte[] badMagic = bytes.clone();
    badMagic[0] = 'X';
    assertThatThrownBy(() -> FrameCodec.decode(badMagic))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("magic");
    byte[] badKind = bytes.clone();
    badKind[5] = 9;
    assertThatThrownBy(() -> FrameCodec.decode(badKind))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kind");
    byte[] negative = bytes.clone();
    negative[19] = (byte) 0x80; // entity count's sign bit
    assertThatThrownBy(() -> FrameCodec.decode(negative))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(">= 0");
  }
}
