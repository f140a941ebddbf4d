// The Matmul view: reads the form, picks where to multiply (and says why), runs, reports; a
// server job shows a progress bar, and the coordinator's jobs are listed, those this page submitted
// with a Cancel button. Results stay on window (lastResult, lastRun, runCount) for tests and the
// console.
import { operands, checksum, full, hasWasmGC } from './operands.js';
import { GemmPool } from './pool.js';
import { webgpu, gpuMultiply } from './gpu.js';
import { serverMultiply, listJobs, cancelJob } from './server.js';
import { cell, currentView, onTokenChange, onViewChange, tokenNeeded } from '../shell.js';

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
  };
}

// Checked before anything runs, so a bad value names its field instead of failing deep inside.
function validate(f) {
  if (!Number.isInteger(f.n) || f.n < 1 || f.n > 4096) throw new Error('n must be a whole number from 1 to 4096');
  if (!Number.isInteger(f.seed) || f.seed < 0 || f.seed > 1000) throw new Error('seed must be a whole number from 0 to 1000');
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

// The progress bar of the job running now: blocks done of all where the job is split (distributed),
// otherwise an indeterminate bar and the time it has run (a local job is one block).
const progress = { id: null, job: null, t0: 0, timer: null };

function showProgress() {
  const job = progress.job;
  const seconds = ((performance.now() - progress.t0) / 1000).toFixed(1);
  const bar = $('job-progress');
  if (job && job.blocks_total > 1) {
    bar.max = job.blocks_total;
    bar.value = job.blocks_done;
  } else {
    bar.removeAttribute('value'); // indeterminate
  }
  const blocks = job && job.blocks_total > 0 ? `, ${job.blocks_done}/${job.blocks_total} blocks` : '';
  const mb = job ? (job.bytes_sent + job.bytes_received) / 1e6 : 0;
  const moved = mb > 0 ? `, ${mb.toFixed(1)} MB moved` : '';
  $('job-progress-text').textContent =
    `job ${job ? `${job.state} (${job.mode})` : 'submitting'}${blocks}${moved}, ${seconds} s`;
}

function startProgress() {
  Object.assign(progress, { id: null, job: null, t0: performance.now() });
  $('job-progress-row').hidden = false;
  $('job-cancel').disabled = true;
  showProgress();
  progress.timer = setInterval(showProgress, 250);
}

function endProgress() {
  clearInterval(progress.timer);
  progress.id = null;
  $('job-progress-row').hidden = true;
}

async function multiplyOnServer(f, a, b) {
  const t0 = performance.now();
  let events = 0;
  startProgress();
  try {
    const c = await serverMultiply(f.dtype, f.n, f.n, f.n, a, b, {
      onSubmitted: (id) => {
        progress.id = id;
        ownJobs.set(id.slice(0, 8), id);
        $('job-cancel').disabled = false;
        refreshJobs();
      },
      onProgress: (job) => {
        events++;
        progress.job = job;
        showProgress();
      },
    });
    const path = `server (a job: POST /v1/jobs/matmul, WGMX frames; ${events} status events followed)`;
    return { c, ms: performance.now() - t0, backend: 'server', path, events };
  } finally {
    endProgress();
    refreshJobs();
  }
}

async function run() {
  const f = form();
  validate(f);
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
  validate(f);
  const { a, b } = operands(f.dtype, f.n, f.n, f.n, f.seed);
  const c = await serverMultiply(f.dtype, f.n, f.n, f.n, a, b);
  const sum = checksum(c);
  window.lastServerChecksum = sum;
  const here = window.lastRun;
  let verdict = '';
  if (here && here.n === f.n && here.seed === f.seed && here.dtype === f.dtype) {
    verdict = sum === here.checksum ? ' (identical)' : ` (differs by ${(sum - here.checksum).toExponential(3)})`;
  }
  $('server-checksum').textContent = full(sum) + verdict;
}

// Values of an earlier run, which a new run, a failure or changed inputs make stale.
function clearResults() {
  for (const id of ['path', 'time', 'gflops', 'checksum', 'server-checksum']) $(id).textContent = '–';
}

// Runs one action at a time, with the buttons off meanwhile; failures show on the page and console.
async function busy(label, action, keepResults = false) {
  const buttons = [$('run'), $('compare')];
  buttons.forEach((button) => (button.disabled = true));
  if (!keepResults) clearResults();
  $('status').className = '';
  $('status').textContent = label;
  try {
    await action();
    $('status').textContent = 'done';
  } catch (e) {
    $('status').className = 'error';
    $('status').textContent = `failed: ${e.message}`;
    window.lastError = e.message;
    console.warn(e); // shown on the page: a failed run is not a page error
  } finally {
    buttons.forEach((button) => (button.disabled = false));
  }
}

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  busy('running…', run);
});
$('compare').addEventListener('click', () => busy('asking the server…', compare, true));
$('form').addEventListener('input', () => {
  clearResults();
  $('status').className = '';
  $('status').textContent = 'ready';
});
$('job-cancel').addEventListener('click', () => {
  if (progress.id) cancel(progress.id);
});

// ---- the coordinator's jobs ----------------------------------------------------------------------

const ownJobs = new Map(); // ref -> id of the jobs this page submitted: only an id can cancel
let jobsTimer = null;
let jobsRound = 0; // only the latest refresh schedules the next, so there is one polling loop

async function cancel(id) {
  try {
    await cancelJob(id);
  } catch (e) {
    $('jobs-status').className = 'error';
    $('jobs-status').textContent = `cancelling failed: ${e.message}`;
  }
  refreshJobs();
}

function jobRow(job) {
  const tr = document.createElement('tr');
  tr.dataset.ref = job.ref;
  const blocks = job.blocks_total > 0 ? `${job.blocks_done}/${job.blocks_total}` : '–';
  tr.append(cell(job.ref), cell(job.state), cell(`${job.dtype} ${job.m}×${job.k}·${job.k}×${job.n}`),
    cell(blocks, true), cell((job.elapsed_ms / 1000).toFixed(1), true));
  const action = document.createElement('td');
  const id = ownJobs.get(job.ref);
  if (id && (job.state === 'queued' || job.state === 'running')) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Cancel';
    button.setAttribute('aria-label', `Cancel job ${job.ref}`);
    button.addEventListener('click', () => {
      button.disabled = true;
      cancel(id);
    });
    action.append(button);
  }
  tr.append(action);
  return tr;
}

// The list, newest first; polled every 2 s while the view shows, unless the token is refused.
async function refreshJobs() {
  clearTimeout(jobsTimer);
  const round = ++jobsRound;
  if (tokenNeeded()) {
    $('jobs-status').className = 'error';
    $('jobs-status').textContent = 'token required to list the jobs';
    return;
  }
  try {
    const jobs = await listJobs();
    $('jobs').replaceChildren(...jobs.reverse().map(jobRow));
    $('jobs-status').className = '';
    $('jobs-status').textContent = jobs.length ? `${jobs.length} job(s) kept by the coordinator` : 'no jobs yet';
  } catch (e) {
    $('jobs').replaceChildren();
    $('jobs-status').className = 'error';
    $('jobs-status').textContent = tokenNeeded() ? 'token required to list the jobs' : `cannot list jobs: ${e.message}`;
    if (tokenNeeded()) return;
  }
  if (round === jobsRound && currentView() === 'matmul') jobsTimer = setTimeout(refreshJobs, 2000);
}

const refreshShown = () => currentView() === 'matmul' && refreshJobs();
onTokenChange(refreshShown);
onViewChange(refreshShown);
refreshShown();
