// A pool of Web Workers, each holding one instance of the TeaVM build ('wasm' or 'js'). A product
// is split into contiguous row bands, one per worker; bands and results move (transfer), B is copied.
export class GemmPool {
  constructor(impl, workers) {
    this.impl = impl;
    this.workers = workers;
    this.nextId = 1;
  }

  // Starts `size` workers and waits until every one has loaded its module.
  static async create(impl, size) {
    const started = performance.now();
    const workers = [];
    const loads = [];
    for (let w = 0; w < size; w++) {
      const worker = new Worker(`app/matmul/worker.js?impl=${impl}`);
      workers.push(worker);
      loads.push(new Promise((resolve, reject) => {
        worker.onmessage = (e) => (e.data.ready ? resolve() : reject(new Error(e.data.error)));
        worker.onerror = (e) => reject(new Error(`worker ${w} failed to load: ${e.message}`));
      }));
    }
    try {
      await Promise.all(loads);
    } catch (e) {
      workers.forEach((w) => w.terminate());
      throw e;
    }
    const pool = new GemmPool(impl, workers);
    pool.loadMs = performance.now() - started;
    return pool;
  }

  get size() {
    return this.workers.length;
  }

  terminate() {
    this.workers.forEach((w) => w.terminate());
  }

  // C = A·B (A m×k, B k×n, typed arrays of the dtype); resolves to C.
  async multiply(dtype, m, k, n, a, b) {
    const Arr = dtype === 'f32' ? Float32Array : Float64Array;
    const c = new Arr(m * n);
    const bands = Math.min(this.size, m);
    const parts = [];
    for (let w = 0; w < bands; w++) {
      const from = Math.floor((m * w) / bands);
      const to = Math.floor((m * (w + 1)) / bands);
      parts.push(this.band(this.workers[w], dtype, from, to, k, n, a, b, c));
    }
    await Promise.all(parts);
    return c;
  }

  band(worker, dtype, from, to, k, n, a, b, c) {
    const id = this.nextId++;
    const rows = a.slice(from * k, to * k); // own copies, so they can be transferred
    const bCopy = b.slice();
    return new Promise((resolve, reject) => {
      worker.onmessage = (e) => {
        if (e.data.id !== id) return;
        if (e.data.error) {
          reject(new Error(e.data.error));
        } else {
          c.set(e.data.c, from * n);
          resolve(e.data.ms);
        }
      };
      worker.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
      worker.postMessage({ id, dtype, m: to - from, k, n, a: rows, b: bCopy },
        [rows.buffer, bCopy.buffer]);
    });
  }
}
