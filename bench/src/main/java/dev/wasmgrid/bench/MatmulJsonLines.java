package dev.wasmgrid.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.bench.MatmulBench.Cell;
import dev.wasmgrid.bench.MatmulBench.Ratio;
import dev.wasmgrid.bench.MatmulBench.Timing;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;

/** {@link MatmulBench.Output} as JSON lines; see {@link MatmulBench.Output#jsonLines}. */
final class MatmulJsonLines implements MatmulBench.Output {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrintStream out;
  private final PrintStream progress;

  MatmulJsonLines(PrintStream out, PrintStream progress) {
    this.out = out;
    this.progress = progress;
  }

  @Override
  public void measured(Cell cell, String impl, Timing timing) {
    ObjectNode line = line(cell, impl, "gflops");
    line.put("value", round(timing.gflops()));
    line.put("unit", "GFLOP/s");
    print(line);
  }

  @Override
  public void ratio(Cell cell, Ratio ratio, double value) {
    ObjectNode line = line(cell, null, ratio.metric());
    line.put("value", round(value));
    line.put("unit", "x");
    print(line);
  }

  @Override
  public void error(Cell cell, String impl, String message) {
    ObjectNode line = line(cell, impl, "error");
    line.put("message", message);
    print(line);
  }

  @Override
  public void progress(String message) {
    progress.println(message);
  }

  private static ObjectNode line(Cell cell, String impl, String metric) {
    ObjectNode line = JSON.createObjectNode();
    line.put("bench", "matmul");
    ObjectNode params = line.putObject("params");
    params.put("n", cell.n());
    params.put("dtype", cell.dtype().wireName());
    params.put("threads", cell.threads());
    if (impl != null) {
      params.put("impl", impl);
    }
    line.put("metric", metric);
    return line;
  }

  /** Four significant digits: more would only print noise. */
  private static double round(double value) {
    if (!Double.isFinite(value) || value == 0) {
      return value;
    }
    return new BigDecimal(value).round(new MathContext(4)).doubleValue();
  }

  private void print(ObjectNode line) {
    try {
      out.println(JSON.writeValueAsString(line));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON line", e);
    }
  }
}
