// The language model's Web Worker: loads ONE build of the runtime (BrowserLlm compiled by TeaVM:
// ?impl=wasm or ?impl=js), one model, and WebGPU when asked and there is an adapter; then
// generates one token per request. Requests: load, start, next, cancel, logits; each reply
// (loaded, started, token or done, cancelled, logits, or error) carries the request's id.
const impl = new URL(self.location.href).searchParams.get('impl');
let runtime = null;
let llm = null;
let matvec = null; // the GPU seam's object when WebGPU computes, for its dispatch count
// gpu 'auto' sends only mat-vecs this big to the GPU (gpu 'all': every one): below it, a dispatch
// and a read-back per product cost more than the product. An estimate (about 4 MB of f32
// weights), not measured on a hardware GPU: this machine has only the software adapter.
const BIG_MATVEC_WEIGHTS = 1 << 20;

async function loadRuntime() {
  if (impl === 'wasm') {
    importScripts('../gemm.wasm-runtime.js'); // TeaVM's WasmGC loader, the same for every module
    return (await TeaVM.wasmGC.load('llm-runtime.wasm')).exports;
  }
  if (impl === 'js') {
    importScripts('llm-runtime.js'); // UMD: the @JSExport functions land on self
    return { loadGguf: self.loadGguf, loadLlama2c: self.loadLlama2c, tiny: self.tiny, version: self.version };
  }
  throw new Error('unknown impl ' + impl);
}

// A relative model URL means one beside the app's files (/app/), as before they had folders.
const APP = new URL('../', self.location.href);

async function bytes(url) {
  const response = await fetch(new URL(url, APP));
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Int8Array(await response.arrayBuffer());
}

async function load({ source, gpu }) {
  const t0 = performance.now();
  runtime = runtime || (await loadRuntime());
  matvec = null;
  let gpuWhy = 'WebGPU not asked for';
  if (gpu !== 'off') {
    importScripts('llm-gpu.js');
    const found = await self.createGpuMatvec();
    if (found.gpu) {
      matvec = found.gpu;
      matvec.minWeights = gpu === 'all' ? 0 : BIG_MATVEC_WEIGHTS;
      gpuWhy = `WebGPU: ${found.description}`;
    } else {
      gpuWhy = `no WebGPU: ${found.missing}`;
    }
  }
  if (source.kind === 'tiny') {
    llm = runtime.tiny(source.seed, source.dtype, matvec);
  } else if (source.kind === 'gguf') {
    llm = runtime.loadGguf(await bytes(source.url), matvec);
  } else if (source.kind === 'llama2c') {
    llm = runtime.loadLlama2c(await bytes(source.url), await bytes(source.tokenizer), matvec);
  } else {
    throw new Error('unknown model source ' + source.kind);
  }
  const info = llm.modelInfo();
  const onGpu = matvec ? llm.gpuMatrices() : 0;
  if (matvec) {
    gpuWhy += onGpu > 0
      ? `, ${onGpu} weight matrices of >= ${matvec.minWeights} weights on the GPU`
      : `, but no weight matrix has >= ${matvec.minWeights} weights: all on the CPU`;
  }
  return {
    info: { ...info },
    backend: onGpu > 0 ? 'webgpu' : impl,
    why: gpuWhy,
    version: runtime.version(),
    loadMs: performance.now() - t0,
  };
}

// Each request is one step, answered with one reply: the page pulls tokens one at a time, so a
// consumer that stops asking stops the generation, and a slow one is never flooded.
async function answer(msg) {
  switch (msg.type) {
    case 'load':
      return { type: 'loaded', ...(await load(msg)) };
    case 'start': {
      const c = msg.config;
      await llm.start(msg.prompt, c.maxTokens, c.temperature, c.topK, c.topP, c.seed, c.stop || []);
      return { type: 'started' };
    }
    case 'next': {
      const step = await llm.next();
      if (step.done) {
        return { type: 'done', stats: { ...step, gpuDispatches: matvec ? matvec.dispatches : 0 } };
      }
      return { type: 'token', token: { id: step.id, text: step.text } };
    }
    case 'cancel': {
      const stats = await llm.cancel();
      return { type: 'cancelled', stats: stats ? { ...stats } : null };
    }
    case 'logits':
      return { type: 'logits', logits: await llm.promptLogits(msg.prompt) };
    default:
      throw new Error('unknown request ' + msg.type);
  }
}

let queue = Promise.resolve(); // one request at a time, in order
self.onmessage = (e) => {
  const msg = e.data;
  queue = queue.then(async () => {
    try {
      self.postMessage({ ...(await answer(msg)), id: msg.id });
    } catch (err) {
      self.postMessage({ type: 'error', id: msg.id, message: String((err && err.message) || err) });
    }
  });
};
