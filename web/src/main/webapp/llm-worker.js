// The language model's Web Worker: loads ONE build of the runtime (BrowserLlm compiled by TeaVM:
// ?impl=wasm or ?impl=js), one model, and WebGPU when asked and there is an adapter; then
// generates token by token, posting each as it comes.
// Messages in: load, generate, cancel, logits.
// Out: loaded, token, done, logits, error (each carrying the request id it answers).
const impl = new URL(self.location.href).searchParams.get('impl');
let runtime = null;
let llm = null;
let matvec = null; // the GPU seam's object when WebGPU computes, for its dispatch count
// gpu 'auto' sends only mat-vecs this big to the GPU (gpu 'all': every one): below it, a dispatch
// and a read-back per product cost more than the product. An estimate (about 4 MB of f32
// weights), not measured on a hardware GPU: this machine has only the software adapter.
const BIG_MATVEC_WEIGHTS = 1 << 20;
const cancelled = new Set();

async function loadRuntime() {
  if (impl === 'wasm') {
    importScripts('gemm.wasm-runtime.js'); // TeaVM's WasmGC loader, the same for every module
    return (await TeaVM.wasmGC.load('llm-runtime.wasm')).exports;
  }
  if (impl === 'js') {
    importScripts('llm-runtime.js'); // UMD: the @JSExport functions land on self
    return { loadGguf: self.loadGguf, loadLlama2c: self.loadLlama2c, tiny: self.tiny, version: self.version };
  }
  throw new Error('unknown impl ' + impl);
}

async function bytes(url) {
  const response = await fetch(url);
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

async function generate(id, { prompt, config }) {
  await llm.start(prompt, config.maxTokens, config.temperature, config.topK, config.topP, config.seed,
    config.stop || []);
  for (;;) {
    if (cancelled.delete(id)) {
      await llm.cancel();
      self.postMessage({ type: 'done', id, stats: null });
      return;
    }
    const step = await llm.next();
    if (step.done) {
      self.postMessage({ type: 'done', id, stats: { ...step, gpuDispatches: matvec ? matvec.dispatches : 0 } });
      return;
    }
    self.postMessage({ type: 'token', id, token: { id: step.id, text: step.text } });
  }
}

let queue = Promise.resolve(); // one request at a time, in order
self.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'cancel') {
    cancelled.add(msg.id);
    return;
  }
  queue = queue.then(async () => {
    try {
      if (msg.type === 'load') {
        self.postMessage({ type: 'loaded', id: msg.id, ...(await load(msg)) });
      } else if (msg.type === 'logits') {
        self.postMessage({ type: 'logits', id: msg.id, logits: await llm.promptLogits(msg.prompt) });
      } else if (msg.type === 'generate') {
        await generate(msg.id, msg);
      }
    } catch (err) {
      self.postMessage({ type: 'error', id: msg.id, message: String((err && err.message) || err) });
    }
  });
};
