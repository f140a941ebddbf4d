/*
 * The matmul kernel as a wasm module: C[m x n] = A[m x k] * B[k x n], row-major f64.
 * Same i-k-j loop and summation order (p = 0..k-1) as dev.wasmgrid.matmul.ReferenceGemm, and
 * wasm has no fused multiply-add in its MVP instruction set, so the results equal the JVM
 * reference bit for bit.
 */
#include "alloc.h"

EXPORT("matmul")
void matmul(int32_t m, int32_t k, int32_t n, const double *a, const double *b, double *c) {
    for (int32_t i = 0; i < m; i++) {
        for (int32_t j = 0; j < n; j++) c[i * n + j] = 0.0;
        for (int32_t p = 0; p < k; p++) {
            double aip = a[i * k + p];
            for (int32_t j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
        }
    }
}
