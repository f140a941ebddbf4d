// The page: reads the form, picks where to multiply (and says why), runs, reports; polls the
// cluster. Results stay on window (lastResult, lastRun, runCount) for tests and the console.
import { operands, checksum, full, hasWasmGC } from './operands.js';
import { GemmPool } from './pool.js';
import { webgpu, gpuMultiply } from './gpu.js';
import { serverMultiply, listWorkers, listModules } from './server.js';

// auto mode without measurements of both paths: smaller products stay here, larger go to the grid.
const AUTO_SERVER_FROM_N = 512;
const $ = (id) => document.getElementById(id);
const measured = { browser: null, server: null }; // last GFLOP/s of each path
let pool = null;
let gpuWarm = false; // the first dispatch compiles the shader; not part of any timing

window.runCount = 0;

// Query parameters preset the form, e.g. ?impl=js&n=128 (impl is the in-browser backend);
// ?workers=N sizes the Web Worker pool (benchmarks compare 1 with all).
const params = new URLSearchParams(location.search);
const POOL_SIZE = params.has('workers')
  ? Math.max(1, Math.min(Number(params.get('workers')) || 1, 16))
  : Math.max(2, Math.min(navigator.hardwareConcurrency || 2, 16));
for (const [param, id] of [['impl', 'backend'], ['n', 'n'], ['dtype', 'dtype'], ['mode', 'mode'], ['seed', 'seed']]) {
  if (params.has(param)) $(id).value = params.get(param);
}

function form() {
  return {
    n: Number($('n').value),
    seed: Number($('seed').value),
    dtype: $('dtype').value,
    mode: $('mode').value,
    backend: $('backend').value,
    token: $('token').value.trim(),
  };
}

// Which in-browser backend runs, and why.
async function chooseBackend(dtype, backend) {
  let gpuWhy = null;
  if (backend === 'webgpu' || (backend === 'auto' && dtype === 'f32')) {
    if (dtype !== 'f32') {
      gpuWhy = 'WebGPU asked, but WGSL has no f64';
    } else {
      const gpu = await webgpu();
      if (!gpu.missing) return { kind: 'webgpu', why: `WebGPU: ${gpu.description}` };
      gpuWhy = `no WebGPU: ${gpu.missing}`;
    }
  }
  const wasmGC = hasWasmGC();
  let kind;
  let why;
  if (backend === 'js') {
    kind = 'js';
    why = 'JavaScript build chosen';
  } else if (wasmGC) {
    kind = 'wasm';
    why = 'WasmGC supported';
  } else {
    kind = 'js';
    why = 'no WasmGC in this browser, JavaScript build';
  }
  return { kind, why: gpuWhy ? `${gpuWhy}; ${why}` : why };
}

async function poolFor(impl) {
  if (pool && pool.impl === impl) return { pool, startMs: 0 };
  if (pool) pool.terminate();
  pool = null;
  pool = await GemmPool.create(impl, POOL_SIZE);
  return { pool, startMs: pool.loadMs };
}

function chooseMode(f) {
  if (f.mode !== 'auto') return { where: f.mode, why: `${f.mode === 'server' ? 'server' : 'in-browser'} chosen` };
  if (measured.browser !== null && measured.server !== null) {
    const where = measured.server > measured.browser ? 'server' : 'browser';
    return {
      where,
      why: `auto: measured in-browser ${measured.browser.toFixed(2)} vs server ${measured.server.toFixed(2)} GFLOP/s`,
    };
  }
  return f.n < AUTO_SERVER_FROM_N
    ? { where: 'browser', why: `auto: n=${f.n} < ${AUTO_SERVER_FROM_N}, in-browser` }
    : { where: 'server', why: `auto: n=${f.n} >= ${AUTO_SERVER_FROM_N}, server` };
}

async function multiplyInBrowser(f, a, b) {
  const n = f.n;
  const backend = await chooseBackend(f.dtype, f.backend);
  if (backend.kind === 'webgpu') {
    if (!gpuWarm) {
      await gpuMultiply(1, 1, 1, new Float32Array(1), new Float32Array(1));
      gpuWarm = true;
    }
    const t0 = performance.now();
    const c = await gpuMultiply(n, n, n, a, b);
    return { c, ms: performance.now() - t0, backend: 'webgpu', path: `webgpu (${backend.why})` };
  }
  const { pool: p, startMs } = await poolFor(backend.kind);
  const t0 = performance.now();
  const c = await p.multiply(f.dtype, n, n, n, a, b);
  const started = startMs > 0 ? `, started in ${startMs.toFixed(0)} ms` : '';
  return {
    c,
    ms: performance.now() - t0,
    backend: backend.kind,
    workers: p.size,
    path: `${backend.kind} (${backend.why}), ${p.size} Web Workers${started}`,
  };
}

async function multiplyOnServer(f, a, b) {
  const t0 = performance.now();
  let events = 0;
  const c = await serverMultiply(f.token, f.dtype, f.n, f.n, f.n, a, b, (job) => {
    events++;
    const mb = (job.bytes_sent + job.bytes_received) / 1e6;
    $('status').textContent =
      `server job ${job.state}: ${job.blocks_done}/${job.blocks_total} blocks (${job.mode}), ${mb.toFixed(1)} MB moved`;
  });
  const path = `server (a job: POST /v1/jobs/matmul, WGMX frames; ${events} status events followed)`;
  return { c, ms: performance.now() - t0, backend: 'server', path, events };
}

async function run() {
  const f = form();
  const { a, b } = operands(f.dtype, f.n, f.n, f.n, f.seed);
  const mode = chooseMode(f);
  const result = mode.where === 'server' ? await multiplyOnServer(f, a, b) : await multiplyInBrowser(f, a, b);
  const gflops = (2 * f.n * f.n * f.n) / result.ms / 1e6;
  measured[mode.where] = gflops;
  const sum = checksum(result.c);
  window.lastResult = result.c;
  window.lastRun = {
    n: f.n, seed: f.seed, dtype: f.dtype, where: mode.where, backend: result.backend,
    workers: result.workers || 0, events: result.events || 0, ms: result.ms, gflops, checksum: sum, path: result.path, why: mode.why,
  };
  $('path').textContent = `${mode.where === 'server' ? '' : 'in-browser: '}${result.path} — ${mode.why}`;
  $('time').textContent = `${result.ms.toFixed(1)} ms`;
  $('gflops').textContent = gflops.toFixed(3);
  $('checksum').textContent = full(sum);
  window.runCount++;
}

// The server's checksum for the same operands, to hold against the one computed here.
async function compare() {
  const f = form();
  const { a, b } = operands(f.dtype, f.n, f.n, f.n, f.seed);
  const c = await serverMultiply(f.token, f.dtype, f.n, f.n, f.n, a, b);
  const sum = checksum(c);
  window.lastServerChecksum = sum;
  const here = window.lastRun;
  let verdict = '';
  if (here && here.n === f.n && here.seed === f.seed && here.dtype === f.dtype) {
    verdict = sum === here.checksum ? ' (identical)' : ` (differs by ${(sum - here.checksum).toExponential(3)})`;
  }
  $('server-checksum').textContent = full(sum) + verdict;
}

// Runs one action at a time, with the buttons off meanwhile; failures show on the page and console.
async function busy(label, action) {
  const buttons = [$('run'), $('compare')];
  buttons.forEach((button) => (button.disabled = true));
  $('status').className = '';
  $('status').textContent = label;
  try {
    await action();
    $('status').textContent = 'done';
  } catch (e) {
    $('status').className = 'error';
    $('status').textContent = `failed: ${e.message}`;
    window.lastError = e.message;
    console.error(e);
  } finally {
    buttons.forEach((button) => (button.disabled = false));
  }
}

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  busy('running…', run);
});
$('compare').addEventListener('click', () => busy('asking the server…', compare));

function cell(value, numeric) {
  const td = document.createElement('td');
  td.textContent = value === null || value === undefined ? '–' : String(value);
  if (numeric) td.className = 'num';
  return td;
}

async function pollWorkers() {
  try {
    const workers = await listWorkers(form().token);
    const rows = workers.map((w) => {
      const tr = document.createElement('tr');
      tr.append(cell(w.url), cell(w.state), cell(w.inflight_blocks, true), cell(w.gflops, true),
        cell(w.bandwidth_mbps, true), cell(w.latency_ms, true), cell(w.consecutive_failures, true));
      return tr;
    });
    $('workers').replaceChildren(...rows);
    $('cluster-status').className = '';
    $('cluster-status').textContent = `${workers.length} worker(s), updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    // Shown, not thrown: a missing token or a restarting coordinator is not a page error.
    $('cluster-status').className = 'error';
    $('cluster-status').textContent = `cannot list workers: ${e.message}`;
  } finally {
    setTimeout(pollWorkers, 2000);
  }
  await pollModules();
}
pollWorkers();

// One row per module and worker holding it; a stateless module shows no generation or swaps.
async function pollModules() {
  try {
    const modules = await listModules(form().token);
    // The embedded default answers as its in-process worker: one holder, the module itself.
    const rows = modules.flatMap((m) => (m.workers || [{ url: 'in-process', ...m }]).map((w) => {
      const r = w.recycling || {};
      const tr = document.createElement('tr');
      tr.dataset.module = m.name;
      tr.append(cell(m.name), cell(w.url), cell(w.live_instances, true),
        cell(w.memory_bytes === undefined ? null : (w.memory_bytes / 1048576).toFixed(1), true),
        cell(w.calls_in_flight, true), cell(r.generation, true), cell(r.swaps, true),
        cell(r.failed_prepares, true), cell(r.replay_mismatches, true));
      return tr;
    }));
    $('modules').replaceChildren(...rows);
    $('modules-status').className = '';
    $('modules-status').textContent = `${modules.length} module(s)`;
  } catch (e) {
    $('modules-status').className = 'error';
    $('modules-status').textContent = `cannot list modules: ${e.message}`;
  }
}
