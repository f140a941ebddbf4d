package dev.wasmgrid.sim.live;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.sim.SimConfig;
import java.util.Iterator;
import java.util.Set;

/**
 * What {@code POST /v1/sim} asks for, validated.
 *
 * @param config the world ({@link SimConfig#of}: fixed density, half a food patch per entity)
 * @param partitions strips of the world
 * @param placement where they run
 * @param ticksPerSecond the speed the loop aims at
 */
public record LiveSimRequest(
    SimConfig config, int partitions, Placement placement, int ticksPerSecond) {

  /** An example body for error messages. */
  public static final String EXAMPLE =
      "{\"entities\":2000,\"seed\":1,\"partitions\":2,\"placement\":\"local\","
          + "\"ticks_per_second\":30}";

  private static final Set<String> FIELDS =
      Set.of("entities", "seed", "partitions", "placement", "ticks_per_second");

  /**
   * Reads a request body: {@code entities} (required), {@code seed} (default 1), {@code partitions}
   * (default 1), {@code placement} ({@code local} or {@code workers}, default local), {@code
   * ticks_per_second} (default 30).
   *
   * @throws Failure 400 naming the field and its limit
   */
  public static LiveSimRequest parse(JsonNode body, SimLimits limits) {
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw Failure.invalid(
            "unknown_field", name, "unknown field '" + name + "'; fields are " + FIELDS);
      }
    }
    if (!body.has("entities")) {
      throw Failure.invalid("missing_field", "entities", "entities is required: " + EXAMPLE);
    }
    int entities = intField(body, "entities", "bad_entities", 1, limits.maxEntities(), 0);
    long seed = longField(body, "seed", "bad_seed", 1);
    int partitions = intField(body, "partitions", "bad_partitions", 1, limits.maxPartitions(), 1);
    int tps =
        intField(
            body, "ticks_per_second", "bad_ticks_per_second", 1, limits.maxTicksPerSecond(), 30);
    Placement placement = placement(body.get("placement"));
    SimConfig config = SimConfig.of(entities, seed);
    if (partitions > config.maxPartitions()) {
      throw Failure.invalid(
          "bad_partitions",
          "partitions",
          "partitions must be <= "
              + config.maxPartitions()
              + " for "
              + entities
              + " entities (each strip must be at least one ghost zone wide), got "
              + partitions);
    }
    return new LiveSimRequest(config, partitions, placement, tps);
  }

  /**
   * The speed asked by a control.
   *
   * @throws Failure 400 outside [1, limit]
   */
  static int ticksPerSecond(JsonNode body, SimLimits limits) {
    if (!body.has("ticks_per_second")) {
      throw Failure.invalid(
          "missing_field", "ticks_per_second", "action speed needs ticks_per_second");
    }
    return intField(
        body, "ticks_per_second", "bad_ticks_per_second", 1, limits.maxTicksPerSecond(), 0);
  }

  private static Placement placement(JsonNode node) {
    if (node == null || node.isNull()) {
      return Placement.LOCAL;
    }
    for (Placement p : Placement.values()) {
      if (node.isTextual() && p.wire().equals(node.asText())) {
        return p;
      }
    }
    throw Failure.invalid(
        "bad_placement", "placement", "placement must be \"local\" or \"workers\", got " + node);
  }

  /** Reads an integer field, {@code absent} when missing; {@code code} names a bad value. */
  static int intField(JsonNode body, String field, String code, int min, int max, int absent) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return absent;
    }
    if (!node.isIntegralNumber() || node.asLong() < min || node.asLong() > max) {
      throw Failure.invalid(
          code, field, field + " must be an integer in [" + min + ", " + max + "], got " + node);
    }
    return node.asInt();
  }

  private static long longField(JsonNode body, String field, String code, long absent) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return absent;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw Failure.invalid(code, field, field + " must be a 64-bit integer, got " + node);
    }
    return node.asLong();
  }
}
