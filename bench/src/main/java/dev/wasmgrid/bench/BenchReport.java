package dev.wasmgrid.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where a scenario's measurements go: a readable table, or one JSON object per line, {@code
 * {"bench":"rpc","params":{"path":"direct"},"metric":"p50_ms","value":0.41,"unit":"ms"}}, with flat
 * params (numbers and strings). Progress notes go to a separate stream either way.
 */
public interface BenchReport {

  /** One measurement; {@code params} keep their iteration order. */
  void metric(String bench, Map<String, Object> params, String metric, double value, String unit);

  /** A note on a long run's progress. */
  void progress(String message);

  /** JSON lines on {@code out}. */
  static BenchReport jsonLines(PrintStream out, PrintStream progress) {
    ObjectMapper json = new ObjectMapper();
    return new BenchReport() {
      @Override
      public void metric(
          String bench, Map<String, Object> params, String metric, double value, String unit) {
        ObjectNode line = json.createObjectNode();
        line.put("bench", bench);
        ObjectNode p = line.putObject("params");
        params.forEach(
            (k, v) -> {
              if (v instanceof Number n) {
                p.put(k, n.longValue());
              } else {
                p.put(k, String.valueOf(v));
              }
            });
        line.put("metric", metric);
        line.put("value", new BigDecimal(value).round(new MathContext(4)).doubleValue());
        line.put("unit", unit);
        out.println(line);
        out.flush();
      }

      @Override
      public void progress(String message) {
        progress.println(message);
      }
    };
  }

  /** One aligned row per measurement on {@code out}. */
  static BenchReport table(PrintStream out, PrintStream progress) {
    return new BenchReport() {
      @Override
      public void metric(
          String bench, Map<String, Object> params, String metric, double value, String unit) {
        String where =
            params.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
        // Columns wide enough for the longest params and metric, bench llm's
        // "shape=qwen2.5-0.5b dtype=q4_k_m threads=best" and "roofline_fraction", so rows align.
        out.println(
            String.format(
                Locale.ROOT, "%-12s %-44s %-18s %14.4g %s", bench, where, metric, value, unit));
        out.flush();
      }

      @Override
      public void progress(String message) {
        progress.println(message);
      }
    };
  }
}
