// Talking to the coordinator the page came from: products as jobs (WGMX frames in, progress from
// the job's server-sent events, C out), the job list and cancelling. Plain fetch throughout, so the
// token travels as a Bearer header (EventSource could not send one); the event stream is read by hand.
import { authHeaders as headers, failure, api, events } from '../shell.js';

const MAGIC = [0x57, 0x47, 0x4d, 0x58]; // "WGMX"

// One frame: magic, dtype (1 = f64, 2 = f32), 3 zero bytes, rows, cols (int32 LE), elements LE.
// Typed arrays use the host's byte order, which is little-endian on every browser platform.
function frame(dtype, rows, cols, data) {
  const bytes = new Uint8Array(16 + data.byteLength);
  bytes.set(MAGIC, 0);
  const view = new DataView(bytes.buffer);
  view.setUint8(4, dtype === 'f32' ? 2 : 1);
  view.setInt32(8, rows, true);
  view.setInt32(12, cols, true);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 16);
  return bytes;
}

function unframe(buffer) {
  const view = new DataView(buffer);
  for (let i = 0; i < 4; i++) {
    if (view.getUint8(i) !== MAGIC[i]) throw new Error('the answer is not a WGMX frame');
  }
  const rows = view.getInt32(8, true);
  const cols = view.getInt32(12, true);
  const Arr = view.getUint8(4) === 2 ? Float32Array : Float64Array;
  return new Arr(buffer, 16, rows * cols);
}

// C = A·B on the coordinator as a job; onSubmitted hears its id, onProgress each status (blocks
// done, bytes moved).
export async function serverMultiply(dtype, m, k, n, a, b, { onSubmitted = () => {}, onProgress = () => {} } = {}) {
  const fa = frame(dtype, m, k, a);
  const fb = frame(dtype, k, n, b);
  const body = new Uint8Array(fa.length + fb.length);
  body.set(fa, 0);
  body.set(fb, fa.length);
  const submitted = await fetch('v1/jobs/matmul', {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/x-wasmgrid-matrix' }),
    body,
  });
  if (!submitted.ok) throw await failure(submitted);
  const { id } = await submitted.json();
  onSubmitted(id);
  await follow(id, onProgress);
  const result = await fetch(`v1/jobs/${id}/result`, { headers: headers() });
  if (!result.ok) throw await failure(result);
  return unframe(await result.arrayBuffer());
}

// Reads GET /v1/jobs/{id}/events to its end (the server closes it after the job's last event,
// which every status, the last included, goes to onProgress); resolves on `done`, rejects on
// `failed` or `cancelled`.
async function follow(id, onProgress) {
  const response = await fetch(`v1/jobs/${id}/events`, {
    headers: headers({ Accept: 'text/event-stream' }),
  });
  if (!response.ok) throw await failure(response);
  let last = null;
  for await (const { event, data } of events(response)) {
    last = { event, status: JSON.parse(data) };
    onProgress(last.status);
  }
  if (last === null || last.event === 'progress') {
    throw new Error(`the events of job ${id} ended before the job did`);
  }
  if (last.event !== 'done') {
    const { state, error } = last.status;
    throw new Error(`job ${state}${error ? `: ${error.message}` : ''}`);
  }
  return last.status;
}

/** The coordinator's jobs, oldest first, each with its ref (the id's first 8 hex digits). */
export async function listJobs() {
  return (await api('GET', 'v1/jobs')).jobs;
}

/** Cancels the job (a final one stays as it is); resolves to its status. */
export async function cancelJob(id) {
  return api('DELETE', `v1/jobs/${id}`);
}
