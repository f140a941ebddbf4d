// The operands, defined once for the page; BrowserAppTest (Java) has the same formulas, so the
// JVM reproduces every product bit for bit. Entries are small rationals, so all paths agree on A, B.
export function operands(dtype, m, k, n, seed) {
  const Arr = dtype === 'f32' ? Float32Array : Float64Array; // f32: the double rounded to nearest
  const a = new Arr(m * k);
  const b = new Arr(k * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) a[i * k + p] = (((i * 7 + p * 3 + seed) % 13) - 6) / 7.0;
  }
  for (let p = 0; p < k; p++) {
    for (let j = 0; j < n; j++) b[p * n + j] = (((p * 5 + j * 11 + seed) % 17) - 8) / 9.0;
  }
  return { a, b };
}

// Sum of all entries of C in row-major order, as a double: the same loop in Java gives the same bits.
export function checksum(c) {
  let s = 0;
  for (let i = 0; i < c.length; i++) s += c[i];
  return s;
}

// Like C's %.17g: enough digits that the printed value reads back to the same double.
export function full(x) {
  return x.toPrecision(17);
}

// WasmGC feature test (the bytes wasm-feature-detect uses): a module whose type section declares
// (type (struct (field i8))); 0x5f (struct) and 0x78 (packed i8) exist only with the GC proposal.
const WASM_GC_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 0x5f, 1, 0x78, 0]);

export function hasWasmGC() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(WASM_GC_PROBE);
  } catch (e) {
    return false;
  }
}
