// Talking to the coordinator the page came from: the binary /v1/matmul (WGMX frames) and the
// worker list. Plain fetch throughout, so a token travels as a Bearer header (EventSource could not).
const MAGIC = [0x57, 0x47, 0x4d, 0x58]; // "WGMX"

function headers(token, extra = {}) {
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

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

async function failure(response) {
  let detail = response.statusText;
  try {
    detail = (await response.json()).error.message;
  } catch (e) {
    // not our JSON error body; keep the status text
  }
  return new Error(`HTTP ${response.status}: ${detail}`);
}

// C = A·B on the coordinator; resolves to C and the time the request took.
export async function serverMultiply(token, dtype, m, k, n, a, b) {
  const fa = frame(dtype, m, k, a);
  const fb = frame(dtype, k, n, b);
  const body = new Uint8Array(fa.length + fb.length);
  body.set(fa, 0);
  body.set(fb, fa.length);
  const response = await fetch('v1/matmul', {
    method: 'POST',
    headers: headers(token, { 'Content-Type': 'application/x-wasmgrid-matrix' }),
    body,
  });
  if (!response.ok) throw await failure(response);
  return unframe(await response.arrayBuffer());
}

export async function listWorkers(token) {
  const response = await fetch('v1/workers', { headers: headers(token) });
  if (!response.ok) throw await failure(response);
  return (await response.json()).workers;
}
