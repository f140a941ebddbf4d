package dev.wasmgrid.cli;

import picocli.CommandLine.Command;

/** {@code wasmgrid bench NAME}: benchmarks that print tables, or JSON lines with --json. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Run a benchmark: a table, or JSON lines with --json.",
    subcommands = {
      MatmulBenchCommand.class,
      SimBenchCommand.class,
      DistributedBenchCommand.class,
      RpcBenchCommand.class,
      BrowserBenchCommand.class,
      RecycleBenchCommand.class,
      LlmBenchCommand.class,
      ChaosBenchCommand.class
    })
final class BenchCommand {}
