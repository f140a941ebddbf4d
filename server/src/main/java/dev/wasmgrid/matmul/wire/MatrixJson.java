package dev.wasmgrid.matmul.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;

/**
 * Matrices as JSON: an array of equally long rows of numbers, given either as JSON or — the seed
 * protocol's habit — as a string holding that JSON. NaN and ±Infinity are parsed only so that they
 * can be rejected by name: JSON cannot carry them back, and a non-finite operand makes the whole
 * product meaningless.
 */
public final class MatrixJson {

  private static final double EXACT_INTEGER_LIMIT = 0x1p53;

  private MatrixJson() {}

  /**
   * Decodes field {@code field} of a request into a matrix of {@code dtype}.
   *
   * @throws Failure naming the field (and the row and column at fault) for a missing or malformed
   *     matrix, ragged rows, a non-numeric or non-finite entry, or a dimension over {@code
   *     maxDimension}
   */
  public static Matrix read(JsonNode value, String field, Dtype dtype, int maxDimension) {
    if (value == null || value.isMissingNode() || value.isNull()) {
      throw Failure.invalid("missing_field", field, field + " is missing");
    }
    JsonNode rows =
        value.isTextual()
            ? JsonBodies.parseText(value.textValue(), field, "malformed_matrix")
            : value;
    if (!rows.isArray() || rows.isEmpty() || !rows.get(0).isArray()) {
      throw Failure.invalid(
          "not_a_matrix",
          field,
          field
              + " must be a non-empty array of rows, like [[1,2],[3,4]]; got "
              + abbreviate(rows));
    }
    int m = rows.size();
    int n = rows.get(0).size();
    checkDimension(field, "rows", m, maxDimension);
    checkDimension(field, "columns", n, maxDimension);
    if (n == 0) {
      throw Failure.invalid("not_a_matrix", field, field + " has rows with no entries");
    }
    double[] values = new double[Math.multiplyExact(m, n)];
    for (int i = 0; i < m; i++) {
      JsonNode row = rows.get(i);
      String rowName = field + "[" + i + "]";
      if (!row.isArray()) {
        throw Failure.invalid(
            "not_a_matrix",
            rowName,
            rowName + " must be an array of numbers; got " + abbreviate(row));
      }
      if (row.size() != n) {
        throw Failure.invalid(
            "ragged_rows",
            rowName,
            rowName + " has " + row.size() + " entries but " + field + "[0] has " + n);
      }
      for (int j = 0; j < n; j++) {
        values[i * n + j] = entry(row.get(j), rowName + "[" + j + "]", dtype);
      }
    }
    return switch (dtype) {
      case F64 -> new Matrix.F64(m, n, values);
      case F32 -> {
        float[] narrow = new float[values.length];
        for (int i = 0; i < values.length; i++) {
          narrow[i] = (float) values[i];
        }
        yield new Matrix.F32(m, n, narrow);
      }
    };
  }

  /** The matrix as nested JSON arrays; integral values print without a fraction (19, not 19.0). */
  public static ArrayNode write(Matrix matrix) {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    ArrayNode rows = nodes.arrayNode(matrix.rows());
    for (int i = 0; i < matrix.rows(); i++) {
      ArrayNode row = rows.addArray();
      for (int j = 0; j < matrix.cols(); j++) {
        double v = matrix.get(i, j);
        if (v == Math.rint(v) && Math.abs(v) < EXACT_INTEGER_LIMIT && !isNegativeZero(v)) {
          row.add((long) v);
        } else if (matrix.dtype() == Dtype.F32) {
          row.add((float) v);
        } else {
          row.add(v);
        }
      }
    }
    return rows;
  }

  /**
   * Checks one limit on a matrix dimension.
   *
   * @throws Failure 413 {@code dimension_too_large}
   */
  public static void checkDimension(String field, String what, long size, int maxDimension) {
    if (size > maxDimension) {
      throw Failure.tooLarge(
          "dimension_too_large",
          field,
          field
              + " has "
              + size
              + " "
              + what
              + ", over the limit of "
              + maxDimension
              + " (--max-dim)");
    }
  }

  private static boolean isNegativeZero(double v) {
    return v == 0.0 && Double.doubleToRawLongBits(v) != 0L;
  }

  private static double entry(JsonNode node, String name, Dtype dtype) {
    if (!node.isNumber()) {
      throw Failure.invalid(
          "not_a_number", name, name + " must be a number; got " + abbreviate(node));
    }
    double v = node.doubleValue();
    if (!Double.isFinite(v) || (dtype == Dtype.F32 && !Float.isFinite((float) v))) {
      throw Failure.invalid(
          "non_finite",
          name,
          name
              + " is "
              + abbreviate(node)
              + ": NaN and infinite values are not accepted ("
              + dtype.wireName()
              + " range)");
    }
    return v;
  }

  static String abbreviate(JsonNode node) {
    String text = node.toString();
    return text.length() <= 40 ? text : text.substring(0, 37) + "...";
  }
}
