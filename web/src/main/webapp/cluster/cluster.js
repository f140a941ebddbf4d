// The Cluster & modules view: the coordinator's workers and the WebAssembly modules they hold,
// polled every 2 s while the view shows. A refused token stops the polling (one "token required",
// not a 401 every 2 s) until the token changes.
import { api, cell, currentView, onTokenChange, onViewChange, tokenNeeded } from '../shell.js';

const $ = (id) => document.getElementById(id);
let timer = null;
let round = 0; // only the latest poll schedules the next

function fail(id, what, e) {
  $(id).className = 'error';
  $(id).textContent = tokenNeeded() ? `token required to list ${what}: enter it at the top` : `cannot list ${what}: ${e.message}`;
}

async function pollWorkers() {
  try {
    const { workers } = await api('GET', 'v1/workers');
    const rows = workers.map((w) => {
      const tr = document.createElement('tr');
      tr.append(cell(w.url), cell(w.state), cell(w.inflight_blocks, true), cell(w.gflops, true),
        cell(w.bandwidth_mbps, true), cell(w.latency_ms, true), cell(w.consecutive_failures, true));
      return tr;
    });
    $('workers').replaceChildren(...rows);
    $('cluster-status').className = '';
    const up = workers.filter((w) => w.state === 'up').length;
    $('cluster-status').textContent = `${workers.length} worker(s), ${up} up, updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    // Shown, not thrown: a missing token or a restarting coordinator is not a page error.
    $('workers').replaceChildren();
    fail('cluster-status', 'workers', e);
  }
}

// One row per module and worker holding it; a stateless module shows no generation or swaps.
async function pollModules() {
  try {
    const { modules } = await api('GET', 'v1/modules');
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
    $('modules').replaceChildren();
    fail('modules-status', 'modules', e);
  }
}

async function poll() {
  clearTimeout(timer);
  const mine = ++round;
  if (tokenNeeded()) {
    fail('cluster-status', 'workers');
    fail('modules-status', 'modules');
    return;
  }
  await pollWorkers();
  if (!tokenNeeded()) await pollModules();
  if (mine === round && !tokenNeeded() && currentView() === 'cluster') timer = setTimeout(poll, 2000);
}

const pollShown = () => currentView() === 'cluster' && poll();
onTokenChange(pollShown);
onViewChange(pollShown);
pollShown();
