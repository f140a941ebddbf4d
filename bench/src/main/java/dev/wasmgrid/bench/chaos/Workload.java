package dev.wasmgrid.bench.chaos;

import java.util.random.RandomGenerator;

/** One kind of call the chaos run makes again and again, checking each answer. */
interface Workload {

  /** Its name in reports: {@code matmul}, {@code sim}, {@code stateful}. */
  String name();

  /** Makes one call (or a short sequence that is one unit of work) and judges it. */
  Outcome once(RandomGenerator random) throws InterruptedException;
}
