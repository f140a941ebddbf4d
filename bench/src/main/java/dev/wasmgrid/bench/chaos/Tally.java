package dev.wasmgrid.bench.chaos;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Verdicts by workload, and the stories of the first bad ones, for the report. */
final class Tally {
  private static final int STORIES = 20;

  private final Map<String, EnumMap<Verdict, Integer>> counts = new TreeMap<>();
  private final List<String> stories = new ArrayList<>();

  /** Counts one call of {@code workload}; {@code story} says what happened when it went wrong. */
  synchronized void add(String workload, Verdict verdict, String story) {
    counts
        .computeIfAbsent(workload, w -> new EnumMap<>(Verdict.class))
        .merge(verdict, 1, Integer::sum);
    if (verdict != Verdict.OK && stories.size() < STORIES) {
      stories.add(workload + " " + verdict.id() + ": " + story);
    }
  }

  /** Calls of {@code workload} with {@code verdict}. */
  synchronized int count(String workload, Verdict verdict) {
    return counts.getOrDefault(workload, new EnumMap<>(Verdict.class)).getOrDefault(verdict, 0);
  }

  /** Calls with {@code verdict} over all workloads. */
  synchronized int total(Verdict verdict) {
    return counts.keySet().stream().mapToInt(w -> count(w, verdict)).sum();
  }

  synchronized List<String> workloads() {
    return List.copyOf(counts.keySet());
  }

  synchronized List<String> stories() {
    return List.copyOf(stories);
  }
}
