// One Web Worker of the pool: loads ONE build of the kernel (worker.js?impl=wasm or ?impl=js),
// keeps it, and multiplies the row bands the page sends. Relative URLs resolve against this file.
const impl = new URL(self.location.href).searchParams.get('impl');
let api = null;

const ready = (async () => {
  if (impl === 'wasm') {
    importScripts('../gemm.wasm-runtime.js'); // defines self.TeaVM.wasmGC
    api = (await TeaVM.wasmGC.load('gemm.wasm')).exports;
  } else if (impl === 'js') {
    importScripts('gemm.js'); // UMD: the @JSExport functions land on self
    api = { multiplyF64: self.multiplyF64, multiplyF32: self.multiplyF32 };
  } else {
    throw new Error('unknown impl ' + impl);
  }
})();

ready.then(
  () => self.postMessage({ ready: true }),
  (e) => self.postMessage({ ready: false, error: String((e && e.stack) || e) }));

self.onmessage = async (e) => {
  const { id, dtype, m, k, n, a, b } = e.data;
  try {
    await ready;
    const t0 = performance.now();
    const c = dtype === 'f32' ? api.multiplyF32(m, k, n, a, b) : api.multiplyF64(m, k, n, a, b);
    // The result is a fresh array nobody else holds, so its buffer can move instead of copying.
    self.postMessage({ id, c, ms: performance.now() - t0 }, [c.buffer]);
  } catch (err) {
    self.postMessage({ id, error: String((err && err.stack) || err) });
  }
};
