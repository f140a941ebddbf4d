// One Web Worker of the in-browser simulation: loads ONE build of the TeaVM-compiled kernel
// (simworker.js?impl=wasm or ?impl=js), holds ONE partition (BrowserPartition) and runs the phase
// the page asks for. Frames come and go as ArrayBuffers, moved (transferred), never copied twice.
const impl = new URL(self.location.href).searchParams.get('impl');
let api = null;
let part = null;

const ready = (async () => {
  if (impl === 'wasm') {
    importScripts('../gemm.wasm-runtime.js'); // TeaVM's WasmGC runtime, the same for every module
    api = (await TeaVM.wasmGC.load('simkernel.wasm')).exports;
  } else if (impl === 'js') {
    importScripts('simkernel.js'); // UMD: the @JSExport functions land on self
    api = {
      partition: self.partition,
      evenBounds: self.evenBounds,
      balance: self.balance,
      hash: self.hash,
      size: self.size,
    };
  } else {
    throw new Error('unknown impl ' + impl);
  }
})();

ready.then(
  () => self.postMessage({ ready: true }),
  (e) => self.postMessage({ ready: false, error: String((e && e.stack) || e) }));

// Int8Arrays from the kernel -> ArrayBuffers of their own (empty for "no frame").
function buffers(frames) {
  const out = [];
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    out.push(f.buffer.byteLength === f.byteLength ? f.buffer : f.slice().buffer);
  }
  return out;
}

const int8s = (list) => list.map((b) => new Int8Array(b));

const ops = {
  init: ({ entities, seed, partitions, index }) => {
    part = api.partition(entities, seed, partitions, index);
    return { owned: part.owned() };
  },
  migrate: ({ bounds }) => buffers(part.migrate(bounds)),
  ghosts: ({ frames }) => buffers(part.ghosts(int8s(frames))),
  step: ({ frames }) => {
    part.step(int8s(frames));
    return { owned: part.owned() };
  },
  food: () => {
    part.regrowFood();
    return {};
  },
  costs: () => part.columnCosts(),
  checkpoint: () => part.checkpoint(),
  view: () => part.view(),
  balance: ({ entities, seed, costs, partitions }) => api.balance(entities, seed, costs, partitions),
  hash: ({ entities, seed, checkpoints }) => api.hash(entities, seed, int8s(checkpoints)),
  size: ({ entities, seed }) => api.size(entities, seed),
  evenBounds: ({ entities, seed, partitions }) => api.evenBounds(entities, seed, partitions),
};

// What moves back: every ArrayBuffer in the result.
function transferables(result) {
  if (result instanceof ArrayBuffer) return [result];
  if (ArrayBuffer.isView(result)) return [result.buffer];
  if (Array.isArray(result)) return result.filter((b) => b instanceof ArrayBuffer);
  return [];
}

self.onmessage = async (e) => {
  const { id, op, args } = e.data;
  try {
    await ready;
    const t0 = performance.now();
    let result = ops[op](args || {});
    if (ArrayBuffer.isView(result) && result.buffer.byteLength !== result.byteLength) {
      result = result.slice();
    }
    self.postMessage({ id, result, ms: performance.now() - t0 }, transferables(result));
  } catch (err) {
    self.postMessage({ id, error: String((err && err.stack) || err) });
  }
};
