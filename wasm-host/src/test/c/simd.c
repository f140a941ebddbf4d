// SIMD128 as clang emits it for wasm32 with -msimd128: v128 constants and f64x2 arithmetic,
// which Chicory's compiler cannot translate. scale() stays scalar, so the first SIMD function is
// dot2.
#include <wasm_simd128.h>

__attribute__((export_name("scale"))) double scale(double x) { return x * 3.0; }

__attribute__((export_name("dot2"))) double dot2(int n, int seed) {
  v128_t acc = wasm_f64x2_const(0.0, 0.0);
  for (int i = 0; i < n; i += 2) {
    v128_t a = wasm_f64x2_make((double)(i + seed), (double)(i + 1 + seed));
    v128_t b = wasm_f64x2_make(0.5 * i, 0.25 * (i + 1));
    acc = wasm_f64x2_add(acc, wasm_f64x2_mul(a, b));
  }
  return wasm_f64x2_extract_lane(acc, 0) + wasm_f64x2_extract_lane(acc, 1);
}
