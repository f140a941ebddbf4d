// The Simulation view: starts a simulation on the coordinator (frames over a WebSocket) or in
// this browser (partitions in Web Workers, simlocal.js), draws the newest frame on every animation
// frame (simdraw.js: scaled to the window, partition strips and ghost zones, zoom), charts the
// population by species (uPlot), shows the partitions' status, and sends the controls. State for
// tests and the console stays on window.simView.
import { LocalSim } from './simlocal.js';
import { WorldCanvas } from './simdraw.js';
import { PopulationChart } from './simchart.js';
import { api, token } from '../shell.js';

const $ = (id) => document.getElementById(id);
const HISTORY = 300; // chart samples kept
const FRAME_MS = 1000 / 60;
const HOST_STATUS = ['thread', 'worker', 'unreachable'];

const view = {
  mode: null, id: null, frames: 0, drawn: 0, tick: 0, fps: 0, paused: false, population: [0, 0],
  hash: null, hashTick: null, state: 'idle', error: null, samples: 0, hosts: [],
};
window.simView = view;

let latest = null; // newest frame, drawn on the next animation frame
let drawnFrame = null;
let run = null; // the running simulation: { mode, ... }
const history = [];

// A WGSV frame (docs/api.md, "Simulation frames") as the panel's frame object.
export function decodeFrame(buffer) {
  const v = new DataView(buffer);
  if (v.getUint32(0, true) !== 0x56534757 || v.getUint8(4) !== 1) throw new Error('not a WGSV v1 frame');
  const flags = v.getUint8(5);
  const parts = v.getUint16(6, true);
  const n = v.getUint32(16, true);
  const species = v.getUint16(40, true);
  let p = 44;
  const population = [];
  for (let s = 0; s < species; s++, p += 4) population.push(v.getUint32(p, true));
  const partitions = [];
  for (let i = 0; i < parts; i++, p += 12) {
    partitions.push({
      ms: v.getFloat32(p, true), owned: v.getUint32(p + 4, true), status: v.getUint8(p + 8),
      left: v.getUint16(p + 10, true) / 65536,
    });
  }
  return {
    paused: (flags & 1) !== 0,
    tick: v.getUint32(8, true) + v.getUint32(12, true) * 2 ** 32,
    n,
    width: v.getUint32(20, true),
    height: v.getUint32(24, true),
    tickMs: v.getFloat32(28, true),
    tps: v.getFloat32(32, true),
    recoveries: v.getUint32(36, true),
    population,
    partitions,
    positions: new Uint16Array(buffer, p, 2 * n),
    species: new Uint8Array(buffer, p + 4 * n, n),
  };
}

function form() {
  return {
    mode: $('sim-mode').value,
    entities: Number($('sim-entities').value),
    seed: Number($('sim-seed').value),
    partitions: Number($('sim-partitions').value),
    placement: $('sim-placement').value,
    tps: Number($('sim-tps').value),
    impl: $('sim-impl').value,
    ticks: Number($('sim-ticks').value),
  };
}

function setStatus(text, error = false) {
  $('sim-status').textContent = text;
  $('sim-status').className = error ? 'error' : '';
  view.state = text;
  if (error) {
    view.error = text;
    console.warn(text);
  }
}

function accept(frame) {
  latest = frame;
  view.frames++;
  view.tick = frame.tick;
  view.paused = frame.paused;
  view.population = frame.population;
  if (history.length === 0 || history[history.length - 1].tick !== frame.tick) {
    history.push({ tick: frame.tick, population: frame.population.slice() });
    if (history.length > HISTORY) history.shift();
    view.samples++;
  }
}

// ---- server mode -------------------------------------------------------------------------------

async function startServer(f) {
  const status = await api('POST', 'v1/sim', {
    entities: f.entities, seed: f.seed, partitions: f.partitions, placement: f.placement,
    ticks_per_second: f.tps,
  });
  const url = new URL(`v1/sim/${status.id}/frames`, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token()) url.searchParams.set('access_token', token());
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  const r = { mode: 'server', id: status.id, socket, stopped: false };
  socket.onmessage = (e) => {
    try {
      accept(decodeFrame(e.data));
    } catch (err) {
      setStatus(`bad frame: ${err.message}`, true);
    }
  };
  socket.onclose = () => {
    if (!r.stopped) setStatus(`simulation ${r.id}: the frame stream closed`);
  };
  view.id = status.id;
  setStatus(`server simulation ${status.id} (${status.placement}) running`);
  pollServer(r);
  return r;
}

async function pollServer(r) {
  while (!r.stopped) {
    try {
      const s = await api('GET', `v1/sim/${r.id}`);
      view.hash = s.hash;
      view.hashTick = s.tick;
      view.hosts = s.partitions.map((p) => p.host);
      $('sim-hash').textContent = `${s.hash} at tick ${s.tick}`;
    } catch (e) {
      if (!r.stopped) setStatus(`cannot read simulation ${r.id}: ${e.message}`, true);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function controlServer(action, extra = {}) {
  const s = await api('POST', `v1/sim/${run.id}/control`, { action, ...extra });
  setStatus(`server simulation ${run.id} ${s.state} (tick ${s.tick})`);
}

// ---- in-browser mode ---------------------------------------------------------------------------

async function startBrowser(f) {
  const config = { entities: f.entities, seed: f.seed, partitions: f.partitions };
  const sim = await LocalSim.create(f.impl, config);
  const r = { mode: 'browser', sim, stopped: false, paused: false, tps: f.tps, until: f.ticks, wake: null };
  setStatus(`in-browser simulation: ${f.partitions} Web Workers (${f.impl})`);
  browserLoop(r).catch((e) => setStatus(`in-browser simulation failed: ${e.message}`, true));
  return r;
}

function browserFrame(r, v) {
  const sim = r.sim;
  const prey = v.species.reduce((a, s) => a + (s === 0 ? 1 : 0), 0);
  accept({
    paused: r.paused, tick: sim.tick, n: v.n, width: sim.width, height: sim.height,
    tps: r.measuredTps || 0, recoveries: 0, population: [prey, v.n - prey],
    partitions: sim.partitionMs.map((ms, p) => ({
      ms, owned: sim.owned[p], status: 0, left: sim.bounds[p] / sim.bounds[sim.bounds.length - 1],
    })),
    positions: v.positions, species: v.species,
  });
}

async function browserLoop(r) {
  const sim = r.sim;
  view.hosts = sim.workers.map((_, p) => `web worker ${p} (${sim.impl})`);
  browserFrame(r, await sim.view());
  let lastView = performance.now();
  let rateStart = performance.now();
  let rateTicks = 0;
  while (!r.stopped) {
    if (r.food) {
      // Asked for while a tick was in flight: applied here, between ticks, as on the server.
      r.food = false;
      await sim.regrowFood();
    }
    const done = r.until > 0 && sim.tick >= r.until;
    if (r.paused || done) {
      browserFrame(r, await sim.view());
      const hash = await sim.hash();
      view.hash = hash;
      view.hashTick = sim.tick;
      $('sim-hash').textContent = `${hash} at tick ${sim.tick}`;
      if (done) setStatus(`in-browser simulation stopped at tick ${sim.tick}`);
      await new Promise((resolve) => (r.wake = resolve));
      continue;
    }
    const t0 = performance.now();
    await sim.step();
    rateTicks++;
    const now = performance.now();
    if (now - rateStart >= 1000) {
      r.measuredTps = (rateTicks * 1000) / (now - rateStart);
      rateStart = now;
      rateTicks = 0;
    }
    if (now - lastView >= FRAME_MS) {
      browserFrame(r, await sim.view());
      lastView = performance.now();
    }
    const wait = 1000 / r.tps - (performance.now() - t0);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

function wakeBrowser(r) {
  if (r.wake) {
    const w = r.wake;
    r.wake = null;
    w();
  }
}

// ---- both modes --------------------------------------------------------------------------------

async function stop() {
  if (!run) return;
  const r = run;
  run = null;
  r.stopped = true;
  if (r.mode === 'server') {
    r.socket.close();
    await api('DELETE', `v1/sim/${r.id}`).catch(() => {});
  } else {
    wakeBrowser(r);
    r.sim.terminate();
  }
}

async function start() {
  await stop();
  const f = form();
  clearView();
  Object.assign(view, { mode: f.mode, frames: 0, drawn: 0, tick: 0, hash: null, hashTick: null, error: null, samples: 0 });
  setStatus('starting…');
  run = f.mode === 'server' ? await startServer(f) : await startBrowser(f);
}

async function control(action) {
  if (!run) return;
  const speed = Number($('sim-tps').value);
  if (run.mode === 'server') {
    await controlServer(action, action === 'speed' ? { ticks_per_second: speed } : {});
    return;
  }
  const r = run;
  if (action === 'pause') r.paused = true;
  else if (action === 'resume') r.paused = false;
  else if (action === 'speed') r.tps = speed;
  else if (action === 'add_food') r.food = true;
  else if (action === 'reset') {
    await start();
    return;
  } else throw new Error(`unknown control ${action}`);
  r.until = action === 'resume' ? 0 : r.until;
  wakeBrowser(r);
  setStatus(`in-browser simulation ${r.paused ? 'paused' : 'running'}`);
}

function guarded(action) {
  return () => action().catch((e) => setStatus(`failed: ${e.message}`, true));
}

// ---- drawing -----------------------------------------------------------------------------------

const world = new WorldCanvas($('sim-canvas'), $('sim-canvas-box'), () => view);
const chart = new PopulationChart($('sim-chart'));
let fpsStart = performance.now();
let fpsFrames = 0;
let chartAt = 0;
let chartSamples = -1; // view.samples when the chart was last drawn
view.chartAxes = chart.axes;

function partitionTable(frame) {
  const rows = frame.partitions.map((p, i) => {
    const tr = document.createElement('tr');
    const cells = [i, view.hosts[i] || '–', HOST_STATUS[p.status] || p.status, p.owned, p.ms.toFixed(2)];
    cells.forEach((value, k) => {
      const td = document.createElement('td');
      td.textContent = String(value);
      if (k === 0 || k >= 3) td.className = 'num';
      tr.append(td);
    });
    return tr;
  });
  $('sim-parts').replaceChildren(...rows);
}

function showPopulation() {
  if (history.length === 0) return;
  const last = history[history.length - 1].population;
  $('sim-population').textContent = `prey ${last[0]}, predators ${last[1]} at tick ${history[history.length - 1].tick}`;
}

// A tenth of a second between redraws of the chart is plenty; the newest sample always shows.
function showChart(now) {
  if (chartSamples !== view.samples && now - chartAt >= 100) {
    chartAt = now;
    chartSamples = view.samples;
    chart.show(history);
  }
}

// What a new run or a failed start must not leave behind.
function clearView() {
  history.length = 0;
  latest = null;
  drawnFrame = null;
  world.clear();
  chart.show(history);
  chartSamples = -1;
  $('sim-hash').textContent = '–';
  $('sim-population').textContent = '–';
  $('sim-parts').replaceChildren();
}

function animate(now) {
  fpsFrames++;
  if (now - fpsStart >= 1000) {
    view.fps = (fpsFrames * 1000) / (now - fpsStart);
    fpsStart = now;
    fpsFrames = 0;
  }
  if (latest && (latest !== drawnFrame || world.dirty)) {
    // A zoom or pan redraws the same frame: its tables stay as they are.
    if (latest !== drawnFrame) {
      showPopulation();
      partitionTable(latest);
    }
    drawnFrame = latest;
    world.draw(latest);
    view.drawn++;
  }
  showChart(now);
  requestAnimationFrame(animate);
}
requestAnimationFrame(animate);

// ---- wiring ------------------------------------------------------------------------------------

$('sim-form').addEventListener('submit', (e) => {
  e.preventDefault();
  guarded(start)();
});
for (const action of ['pause', 'resume', 'reset', 'speed']) {
  $(`sim-${action}`).addEventListener('click', guarded(() => control(action)));
}
$('sim-food').addEventListener('click', guarded(() => control('add_food')));
$('sim-stop').addEventListener('click', guarded(async () => {
  await stop();
  setStatus('stopped');
}));
$('sim-zoom-in').addEventListener('click', () => world.zoomBy(1.5));
$('sim-zoom-out').addEventListener('click', () => world.zoomBy(1 / 1.5));
$('sim-zoom-reset').addEventListener('click', () => world.fit());

// ?sim=server|browser starts at once; sim_entities, sim_seed, sim_partitions, sim_placement,
// sim_tps, sim_impl and sim_ticks preset the form.
const params = new URLSearchParams(location.search);
for (const key of ['mode', 'entities', 'seed', 'partitions', 'placement', 'tps', 'impl', 'ticks']) {
  if (params.has(`sim_${key}`)) $(`sim-${key}`).value = params.get(`sim_${key}`);
}
if (params.has('sim')) {
  $('sim-mode').value = params.get('sim');
  guarded(start)();
}
