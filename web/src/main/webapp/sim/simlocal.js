// The in-browser simulation: one Web Worker per partition, each with the TeaVM-compiled kernel,
// driven through the tick protocol of the JVM's PartitionedSim (rebalance every 20 ticks, then
// migrate, ghosts, step, each awaited for all workers: the barrier). The page carries each frame
// from its sender to its receiver, ordered by sender, exactly as the JVM's Mailboxes do, so the
// world reaches the JVM's state hash for the same entities, seed and partitions.
const REBALANCE_EVERY = 20; // PartitionedSim.DEFAULT_REBALANCE_EVERY

export class LocalSim {
  constructor(impl, workers, config, size) {
    this.impl = impl;
    this.workers = workers;
    this.config = config; // { entities, seed, partitions }
    this.width = size[0];
    this.height = size[1];
    this.tick = 0;
    this.bounds = null; // column bounds of the strips, 0 .. the world's columns (set by create)
    this.nextId = 1;
    this.partitionMs = new Array(workers.length).fill(0);
    this.owned = new Array(workers.length).fill(0);
  }

  // Starts one worker per partition and creates its strip of the initial world.
  static async create(impl, config) {
    const workers = [];
    const loads = [];
    for (let p = 0; p < config.partitions; p++) {
      const worker = new Worker(`app/sim/simworker.js?impl=${impl}`);
      workers.push(worker);
      loads.push(new Promise((resolve, reject) => {
        worker.onmessage = (e) => (e.data.ready ? resolve() : reject(new Error(e.data.error)));
        worker.onerror = (e) => reject(new Error(`sim worker ${p} failed to load: ${e.message}`));
      }));
    }
    try {
      await Promise.all(loads);
    } catch (e) {
      workers.forEach((w) => w.terminate());
      throw e;
    }
    const pending = new Map();
    workers.forEach((w) => {
      w.onmessage = (e) => {
        const call = pending.get(e.data.id);
        if (!call) return;
        pending.delete(e.data.id);
        if (e.data.error) call.reject(new Error(e.data.error));
        else call.resolve(e.data);
      };
      w.onerror = (e) => pending.forEach((c) => c.reject(new Error(`sim worker failed: ${e.message}`)));
    });
    const size = (await LocalSim.callOn(workers[0], pending, 1, 'size', config)).result;
    const sim = new LocalSim(impl, workers, config, size);
    sim.pending = pending;
    sim.nextId = 2;
    const created = await sim.all((p) => ['init', { ...config, index: p }]);
    created.forEach((r, p) => (sim.owned[p] = r.result.owned));
    sim.bounds = (await sim.call(0, 'evenBounds', config)).result;
    return sim;
  }

  static callOn(worker, pending, id, op, args, transfer = []) {
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, args }, transfer);
    });
  }

  call(p, op, args, transfer = []) {
    return LocalSim.callOn(this.workers[p], this.pending, this.nextId++, op, args, transfer);
  }

  // One call per partition, all at once; resolves when every one has answered.
  all(request) {
    return Promise.all(this.workers.map((_, p) => {
      const [op, args, transfer] = request(p);
      return this.call(p, op, args, transfer || []);
    }));
  }

  // sent[from][to] -> inbox[to], ordered by sender; empty buffers are "no frame".
  route(answers) {
    const parts = this.workers.length;
    const inbox = Array.from({ length: parts }, () => []);
    answers.forEach((a, from) => a.result.forEach((frame, to) => {
      if (to !== from && frame.byteLength > 0) inbox[to].push(frame);
    }));
    return inbox;
  }

  async step() {
    const parts = this.workers.length;
    const c = this.config;
    const ms = new Array(parts).fill(0);
    const add = (answers) => answers.forEach((a, p) => (ms[p] += a.ms));
    if (parts > 1 && this.tick % REBALANCE_EVERY === 0) {
      const costs = await this.all(() => ['costs', {}]);
      const sum = new Float64Array(costs[0].result.length);
      costs.forEach((r) => r.result.forEach((v, i) => (sum[i] += v)));
      this.bounds = (await this.call(0, 'balance', { ...c, costs: sum })).result;
    }
    const bounds = this.bounds;
    const migrants = await this.all(() => ['migrate', { bounds }]);
    add(migrants);
    const inbox = this.route(migrants);
    const ghosts = await this.all((p) => ['ghosts', { frames: inbox[p] }, inbox[p]]);
    add(ghosts);
    const ghostInbox = this.route(ghosts);
    const stepped = await this.all((p) => ['step', { frames: ghostInbox[p] }, ghostInbox[p]]);
    add(stepped);
    stepped.forEach((a, p) => (this.owned[p] = a.result.owned));
    this.partitionMs = ms;
    this.tick++;
  }

  // Every food patch ready to eat now, between ticks, as the JVM's PartitionedSim.regrowFood.
  async regrowFood() {
    await this.all(() => ['food', {}]);
  }

  // Every partition's entities, as one frame body: x, y (u16 each) per entity, then species bytes.
  async view() {
    const views = await this.all(() => ['view', {}]);
    const counts = views.map((v) => v.result.byteLength / 5);
    const n = counts.reduce((a, b) => a + b, 0);
    const positions = new Uint16Array(2 * n);
    const species = new Uint8Array(n);
    let at = 0;
    views.forEach((v, p) => {
      const k = counts[p];
      const bytes = new Uint8Array(v.result.buffer, v.result.byteOffset, v.result.byteLength);
      positions.set(new Uint16Array(bytes.slice(0, 4 * k).buffer), 2 * at);
      species.set(bytes.subarray(4 * k), at);
      at += k;
    });
    return { n, positions, species };
  }

  // The JVM's StateHash of the world now, as 16 hex digits.
  async hash() {
    const checkpoints = (await this.all(() => ['checkpoint', {}])).map((r) => r.result.buffer);
    return (await this.call(0, 'hash', { ...this.config, checkpoints }, checkpoints)).result;
  }

  terminate() {
    this.workers.forEach((w) => w.terminate());
  }
}
