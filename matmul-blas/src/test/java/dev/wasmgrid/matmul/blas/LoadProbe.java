package dev.wasmgrid.matmul.blas;

import dev.wasmgrid.matmul.GemmUnavailableException;

/** Run in a child JVM by {@link OpenBlasLoadFailureTest}: prints what {@code load} did. */
public final class LoadProbe {

  private LoadProbe() {}

  public static void main(String[] args) {
    try {
      System.out.println("loaded: " + OpenBlasGemm.load(1).description());
    } catch (GemmUnavailableException e) {
      System.out.println("unavailable: " + e.getMessage());
      try {
        OpenBlasGemm.load(2);
        System.out.println("second load: succeeded");
      } catch (GemmUnavailableException again) {
        System.out.println("second load: " + again.getMessage());
      }
    }
  }
}
