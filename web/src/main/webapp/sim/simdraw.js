// The world on a canvas that fills its box at the screen's pixel density: the background, each
// strip's ghost zones (the band beside a boundary whose entities the neighbour sees), the partition
// boundaries, then every entity; a small perf overlay on top. Zoom (wheel, buttons, + − 0 keys)
// and pan (drag, arrow keys) change which part of the world shows.
const COLORS = [0xff4f9e2e, 0xff3c45d2]; // ABGR: prey green, predators red
const BACKGROUND = 0xff181410;
const GHOST_ZONE = 0xff263330; // a tint of the background
const BOUNDARY = 0xff19c4f0; // yellow
const GHOST_UNITS = 41; // WorldRules.GHOST: max(view 40, 3 x contact 6) + 1 world units
const MAX_ZOOM = 32;

export class WorldCanvas {
  constructor(canvas, box, state) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.state = state; // () => the view's state: fps
    this.zoom = 1;
    this.cx = 0.5; // the world point (fractions of width, height) at the centre
    this.cy = 0.5;
    this.image = null;
    this.dirty = true; // redraw the frame already drawn: size or zoom changed
    new ResizeObserver(() => this.resize(box)).observe(box);
    this.resize(box);
    this.listen();
  }

  resize(box) {
    const dpr = window.devicePixelRatio || 1;
    const side = Math.max(1, Math.round(box.clientWidth * dpr));
    if (this.canvas.width !== side) {
      this.canvas.width = side;
      this.canvas.height = side;
      this.image = null;
      this.dirty = true;
    }
  }

  /** Zooms by factor about the world point at canvas fraction (fx, fy), the centre by default. */
  zoomBy(factor, fx = 0.5, fy = 0.5) {
    const before = this.toWorld(fx, fy);
    this.zoom = Math.min(MAX_ZOOM, Math.max(1, this.zoom * factor));
    const after = this.toWorld(fx, fy);
    this.pan(before[0] - after[0], before[1] - after[1]);
  }

  pan(dx, dy) {
    const half = 0.5 / this.zoom;
    this.cx = Math.min(1 - half, Math.max(half, this.cx + dx));
    this.cy = Math.min(1 - half, Math.max(half, this.cy + dy));
    this.dirty = true;
    document.getElementById('sim-zoom-level').textContent = `${this.zoom.toFixed(1)}×`;
  }

  fit() {
    this.zoom = 1;
    this.pan(0.5 - this.cx, 0.5 - this.cy);
  }

  toWorld(fx, fy) {
    return [this.cx + (fx - 0.5) / this.zoom, this.cy + (fy - 0.5) / this.zoom];
  }

  listen() {
    const c = this.canvas;
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = c.getBoundingClientRect();
      this.zoomBy(e.deltaY < 0 ? 1.25 : 0.8, (e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height);
    }, { passive: false });
    c.addEventListener('keydown', (e) => {
      const step = 0.1 / this.zoom;
      const keys = {
        '+': () => this.zoomBy(1.5), '=': () => this.zoomBy(1.5), '-': () => this.zoomBy(1 / 1.5),
        0: () => this.fit(), ArrowLeft: () => this.pan(-step, 0), ArrowRight: () => this.pan(step, 0),
        ArrowUp: () => this.pan(0, -step), ArrowDown: () => this.pan(0, step),
      };
      if (keys[e.key]) {
        e.preventDefault();
        keys[e.key]();
      }
    });
    let drag = null;
    c.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const r = c.getBoundingClientRect();
      this.pan(-(e.clientX - drag.x) / r.width / this.zoom, -(e.clientY - drag.y) / r.height / this.zoom);
      drag = { x: e.clientX, y: e.clientY };
    });
    c.addEventListener('pointerup', () => (drag = null));
  }

  clear() {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  // Where the strips meet (fractions of the width): every strip's left edge as the frame gives it;
  // the first one's is also the last one's right edge across the seam, so it is drawn at 1 too.
  static boundaries(frame) {
    const parts = frame.partitions;
    if (parts.length < 2) return [];
    const edges = parts.map((p) => p.left);
    if (edges[0] === 0) edges.push(1);
    return edges;
  }

  draw(frame) {
    this.dirty = false;
    const w = this.canvas.width;
    const h = this.canvas.height;
    if (!this.image) {
      this.image = this.ctx.createImageData(w, h);
      this.pixels = new Uint32Array(this.image.data.buffer);
    }
    const px = this.pixels;
    px.fill(BACKGROUND);
    const x0 = this.cx - 0.5 / this.zoom;
    const y0 = this.cy - 0.5 / this.zoom;
    const sx = this.zoom * w;
    const sy = this.zoom * h;
    const column = (wx) => Math.round((wx - x0) * sx);
    const ghost = GHOST_UNITS / frame.width;
    for (const b of WorldCanvas.boundaries(frame)) {
      const lo = Math.max(0, column(b - ghost));
      const hi = Math.min(w - 1, column(b + ghost));
      for (let y = 0; y < h; y++) px.fill(GHOST_ZONE, y * w + lo, y * w + hi + 1);
      const line = column(b);
      if (line >= 0 && line < w) for (let y = 0; y < h; y++) px[y * w + line] = BOUNDARY;
    }
    const dot = Math.max(2, Math.min(8, Math.round((window.devicePixelRatio || 1) * Math.sqrt(this.zoom) * 1.5)));
    const pos = frame.positions;
    for (let i = 0; i < frame.n; i++) {
      const x = Math.floor((pos[2 * i] / 65536 - x0) * sx);
      const y = Math.floor((pos[2 * i + 1] / 65536 - y0) * sy);
      if (x < 0 || y < 0 || x >= w || y >= h) continue;
      const c = COLORS[frame.species[i] ? 1 : 0];
      const xe = Math.min(w, x + dot);
      for (let yy = y; yy < Math.min(h, y + dot); yy++) px.fill(c, yy * w + x, yy * w + xe);
    }
    this.ctx.putImageData(this.image, 0, 0);
    this.overlay(frame);
  }

  // The perf overlay: FPS of this page, ticks per second, tick time per partition.
  overlay(frame) {
    const ctx = this.ctx;
    const scale = this.canvas.width / 512 < 0.8 ? 0.8 : Math.min(2, this.canvas.width / 512);
    const lines = [
      `FPS ${this.state().fps.toFixed(0)}   tick ${frame.tick}${frame.paused ? ' (paused)' : ''}`,
      `${frame.tps.toFixed(1)} ticks/s   ${frame.n} entities`,
      ...frame.partitions.map((p, i) => `p${i} ${p.ms.toFixed(2)} ms  ${p.owned} owned`),
    ];
    ctx.save();
    ctx.scale(scale, scale);
    ctx.fillStyle = 'rgba(0,0,0,0.55)';
    ctx.fillRect(4, 4, 230, 16 * lines.length + 8);
    ctx.fillStyle = '#e8f0e8';
    ctx.font = '12px ui-monospace, monospace';
    lines.forEach((line, i) => ctx.fillText(line, 10, 20 + 16 * i));
    ctx.restore();
  }
}
