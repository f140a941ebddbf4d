// The in-browser generation panel of the Chat view: a prompt, generation settings, where to generate (in this browser, by the
// TeaVM-compiled runtime in a Web Worker with WebGPU mat-vecs where there is an adapter, or on the
// server over POST /v1/generate), and the tokens as they stream with tok/s, time to first token and
// the backend. The last run stays on window.lastLlm (and llmRunCount counts runs) for tests.
import { BrowserLlm, isGpuAvailable, serverGenerate } from './llm.js';
import { token } from '../shell.js';

const $ = (id) => document.getElementById(id);
let loaded = null; // {key, llm}: the in-browser model, kept while the settings that made it hold
let stopRequested = false; // the Stop button: the loop reading tokens breaks, which cancels

window.llmRunCount = 0;
window.wasmgridLlm = { BrowserLlm, isGpuAvailable, serverGenerate }; // the API, for the console

// Query parameters preset the panel, e.g. ?llm-mode=server&llm-backend=js.
const params = new URLSearchParams(location.search);
for (const id of ['llm-mode', 'llm-backend', 'llm-prompt', 'llm-max', 'llm-temp', 'llm-seed', 'llm-model', 'llm-tokenizer']) {
  if (params.has(id)) $(id).value = params.get(id);
}

function settings() {
  return {
    prompt: $('llm-prompt').value,
    config: {
      maxTokens: Number($('llm-max').value),
      temperature: Number($('llm-temp').value),
      seed: Number($('llm-seed').value),
    },
    mode: $('llm-mode').value,
    backend: $('llm-backend').value,
    model: $('llm-model').value.trim(),
    tokenizer: $('llm-tokenizer').value.trim(),
    token: token(), // the header's, if the server wants one
  };
}

// The model file to load: the tiny model made in the worker (the server's --model tiny), or a URL.
function source(s) {
  if (s.model === '' || s.model === 'tiny') return { kind: 'tiny', seed: 1, dtype: 'q8_0' };
  if (s.tokenizer) return { kind: 'llama2c', url: s.model, tokenizer: s.tokenizer };
  return { kind: 'gguf', url: s.model };
}

async function browserModel(s) {
  const impl = s.backend === 'wasm' || s.backend === 'js' ? s.backend : 'auto';
  const gpu = { auto: 'auto', webgpu: 'all' }[s.backend] || 'off';
  const key = JSON.stringify([impl, gpu, source(s)]);
  if (!loaded || loaded.key !== key) {
    if (loaded) loaded.llm.terminate();
    loaded = null;
    $('llm-status').textContent = 'loading the model…';
    loaded = { key, llm: await BrowserLlm.load({ source: source(s), impl, gpu }) };
  }
  const llm = loaded.llm;
  if (s.backend === 'webgpu' && llm.backend !== 'webgpu') {
    throw new Error(`WebGPU asked for, but ${llm.why}`);
  }
  return llm;
}

async function generate() {
  const s = settings();
  let run;
  let backend;
  let why;
  let model;
  if (s.mode === 'server') {
    run = serverGenerate(s.prompt, s.config, s.token);
    backend = 'server';
    why = 'POST /v1/generate (server-sent events)';
    model = 'the server\'s default model';
  } else {
    const llm = await browserModel(s);
    run = llm.generate(s.prompt, s.config);
    backend = llm.backend;
    why = `${llm.impl === 'wasm' ? 'TeaVM WasmGC' : 'TeaVM JavaScript'} runtime ${llm.version}; ${llm.why}`;
    const i = llm.info;
    model = `${i.format} ${i.dtype}, dim ${i.dim}, ${i.layers} layers, ${i.heads} heads, vocab ${i.vocabSize}`;
  }
  $('llm-backend-used').textContent = `${backend} (${why})`;
  $('llm-model-info').textContent = model;
  $('llm-output').textContent = '';
  $('llm-status').textContent = 'generating…';
  const ids = [];
  let text = '';
  const t0 = performance.now();
  let firstMs = null;
  stopRequested = false;
  for await (const t of run) {
    if (stopRequested) break;
    if (firstMs === null) firstMs = performance.now() - t0;
    ids.push(t.id);
    text += t.text;
    $('llm-output').textContent = text;
    $('llm-tokens').textContent = String(ids.length);
    const seconds = (performance.now() - t0 - firstMs) / 1000;
    if (ids.length > 1 && seconds > 0) $('llm-tps').textContent = ((ids.length - 1) / seconds).toFixed(1);
  }
  const stats = run.stats; // null, or finishReason 'cancelled', when stopped
  const stopped = !stats || stats.finishReason === 'cancelled';
  if (stats) {
    $('llm-tps').textContent = stats.tokS.toFixed(1);
    $('llm-ttft').textContent = `${stats.ttftMs.toFixed(1)} ms`;
    $('llm-tokens').textContent = `${stats.tokens} (${stats.finishReason})`;
  }
  window.lastLlm = { mode: s.mode, backend, why, tokens: ids, text, stats, pageTtftMs: firstMs };
  window.llmRunCount++;
  return stopped ? 'stopped' : 'done';
}

async function showGpu() {
  $('llm-gpu').textContent = (await isGpuAvailable())
    ? 'available: the big weight mat-vecs (all of them with backend webgpu) run as WGSL shaders'
    : 'not available: mat-vecs run on the CPU (the TeaVM runtime)';
}

// What the last run showed: a new run, failed or not, must not leave it standing.
function clearRun() {
  $('llm-output').textContent = '';
  for (const id of ['llm-backend-used', 'llm-model-info', 'llm-tokens', 'llm-tps', 'llm-ttft']) $(id).textContent = '–';
}

$('llm-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  clearRun();
  $('llm-run').disabled = true;
  $('llm-status').className = '';
  window.lastLlmError = null;
  try {
    $('llm-status').textContent = await generate();
  } catch (err) {
    $('llm-status').className = 'error';
    $('llm-status').textContent = `failed: ${err.message}`;
    window.lastLlmError = err.message;
    window.llmRunCount++;
    console.error(err);
  } finally {
    $('llm-run').disabled = false;
  }
});
$('llm-stop').addEventListener('click', () => {
  stopRequested = true;
});
showGpu();
