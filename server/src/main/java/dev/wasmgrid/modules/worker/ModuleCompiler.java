package dev.wasmgrid.modules.worker;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.wasm.BufferExports;
import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.wasm.WasmModules;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Compiles modules on threads of its own, giving each a time limit: a module built to compile for
 * long (thousands of large functions) is refused when its time is up rather than holding its
 * deployment for as long as it takes. The compile is interrupted, and where Chicory's compiler does
 * not notice, it finishes on its thread and is dropped; there are {@link #THREADS} such threads, so
 * abandoned compiles hold at most that many cores, and later deployments queue behind them within
 * their own time limit.
 */
final class ModuleCompiler implements AutoCloseable {
  static final int THREADS = 2;

  private final Duration limit;
  private final ExecutorService threads =
      Executors.newFixedThreadPool(
          THREADS, Thread.ofPlatform().name("module-compiler-", 0).daemon().factory());

  ModuleCompiler(Duration limit) {
    this.limit = limit;
  }

  /**
   * {@link WasmModules#compile}, within the time limit.
   *
   * @throws Failure 422 {@code compile_timeout} when it did not finish in time
   * @throws dev.wasmgrid.wasm.WasmCallException as {@link WasmModules#compile}
   */
  CompiledModule compile(String name, byte[] bytes, ModuleLimits limits, BufferExports buffers) {
    Future<CompiledModule> compiling =
        threads.submit(() -> WasmModules.compile(name, bytes, limits, buffers));
    try {
      return compiling.get(limit.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      compiling.cancel(true);
      throw new Failure(
          Failure.Kind.UNPROCESSABLE,
          "compile_timeout",
          "",
          "module '"
              + name
              + "' did not compile within "
              + limit.toMillis()
              + " ms (--max-compile-ms): it is too large or has too many functions");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("compiling module '" + name + "' failed", e.getCause());
    } catch (InterruptedException e) {
      compiling.cancel(true);
      Thread.currentThread().interrupt();
      throw new Failure(Failure.Kind.UNAVAILABLE, "interrupted", "", "the worker is stopping");
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
