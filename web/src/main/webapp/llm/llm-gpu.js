// The WebGPU side of the language model's mat-vec seam (BrowserLlm's GpuMatvec), loaded into the
// LLM Web Worker with importScripts. Each weight matrix is uploaded once; a product is one WGSL
// dispatch, one workgroup per output row: its 64 invocations each sum a strided share of the row
// (f32), or of the row's groups of 32 (Q8_0: a group's integer-weighted sum times its scale, as the
// CPU path does), then reduce the 64 partial sums in a tree. The order of the sums differs from
// the CPU's, so results agree to float rounding, not to the bit.
(() => {
  const WG = 64;
  const COMMON = /* wgsl */ `
struct Dims { rows : u32, cols : u32, rowsPerY : u32, pad : u32 }
@group(0) @binding(0) var<uniform> dims : Dims;
@group(0) @binding(1) var<storage, read> x : array<f32>;
@group(0) @binding(2) var<storage, read_write> out : array<f32>;
var<workgroup> partial : array<f32, ${WG}>;

fn reduce(lid : u32, row : u32, sum : f32) {
  partial[lid] = sum;
  workgroupBarrier();
  for (var step = ${WG / 2}u; step > 0u; step = step / 2u) {
    if (lid < step) { partial[lid] = partial[lid] + partial[lid + step]; }
    workgroupBarrier();
  }
  if (lid == 0u && row < dims.rows) { out[row] = partial[0]; }
}`;
  const F32 = COMMON + /* wgsl */ `
@group(0) @binding(3) var<storage, read> w : array<f32>;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid : vec3<u32>, @builtin(local_invocation_id) l : vec3<u32>) {
  let row = wid.x + wid.y * dims.rowsPerY;
  var sum = 0.0;
  if (row < dims.rows) {
    let base = row * dims.cols;
    for (var c = l.x; c < dims.cols; c = c + ${WG}u) { sum = sum + w[base + c] * x[c]; }
  }
  reduce(l.x, row, sum);
}`;
  const Q8 = COMMON + /* wgsl */ `
@group(0) @binding(3) var<storage, read> q : array<u32>;   // int8 quants, four to a word
@group(0) @binding(4) var<storage, read> scales : array<f32>;

fn quant(i : u32) -> f32 {
  let b = (q[i / 4u] >> ((i % 4u) * 8u)) & 0xffu;
  return f32(bitcast<i32>(b << 24u) >> 24u);
}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid : vec3<u32>, @builtin(local_invocation_id) l : vec3<u32>) {
  let row = wid.x + wid.y * dims.rowsPerY;
  var sum = 0.0;
  if (row < dims.rows) {
    let groups = dims.cols / 32u;
    for (var g = l.x; g < groups; g = g + ${WG}u) {
      let base = row * dims.cols + g * 32u;
      var group = 0.0;
      for (var i = 0u; i < 32u; i = i + 1u) { group = group + quant(base + i) * x[g * 32u + i]; }
      sum = sum + group * scales[row * groups + g];
    }
  }
  reduce(l.x, row, sum);
}`;
  const MAX_GROUPS_X = 65535;

  // Resolves to {gpu: GpuMatvec, description} or {missing: 'why'}.
  self.createGpuMatvec = async function createGpuMatvec() {
    if (!self.navigator || !('gpu' in navigator)) return { missing: 'no WebGPU here (navigator.gpu)' };
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { missing: 'WebGPU offers no adapter' };
    const device = await adapter.requestDevice();
    device.addEventListener('uncapturederror', (e) => console.error('WebGPU: ' + e.error.message));
    const pipeline = async (code) => device.createComputePipelineAsync({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
    });
    const [f32, q8] = await Promise.all([pipeline(F32), pipeline(Q8)]);
    const matrices = new Map();

    const buffer = (bytes, usage, data) => {
      const b = device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 4) * 4), usage });
      if (data) device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
      return b;
    };
    const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;

    function keep(id, rows, cols, pipe, weights) {
      const y = Math.ceil(rows / MAX_GROUPS_X);
      const perY = Math.ceil(rows / y);
      const dims = buffer(16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, new Uint32Array([rows, cols, perY, 0]));
      const x = buffer(cols * 4, STORAGE);
      const out = buffer(rows * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC);
      const read = buffer(rows * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
      const bind = device.createBindGroup({
        layout: pipe.getBindGroupLayout(0),
        entries: [dims, x, out, ...weights].map((b, binding) => ({ binding, resource: { buffer: b } })),
      });
      matrices.set(id, { rows, cols, pipe, x, out, read, bind, groups: [perY, y] });
    }

    const gpu = {
      dispatches: 0,
      uploadF32(id, rows, cols, data) {
        keep(id, rows, cols, f32, [buffer(data.byteLength, STORAGE, data)]);
      },
      uploadQ8(id, rows, cols, quants, scales) {
        // Padded to whole words: WGSL reads the quants as u32.
        const words = new Uint8Array(Math.ceil(quants.length / 4) * 4);
        words.set(new Uint8Array(quants.buffer, quants.byteOffset, quants.length));
        keep(id, rows, cols, q8, [buffer(words.byteLength, STORAGE, words), buffer(scales.byteLength, STORAGE, scales)]);
      },
      async matvec(id, xs) {
        const m = matrices.get(id);
        if (!m) throw new Error(`no matrix ${id} uploaded`);
        if (xs.length < m.cols) throw new Error(`x has ${xs.length} values, matrix ${id} ${m.cols} columns`);
        device.queue.writeBuffer(m.x, 0, xs.buffer, xs.byteOffset, m.cols * 4);
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(m.pipe);
        pass.setBindGroup(0, m.bind);
        pass.dispatchWorkgroups(m.groups[0], m.groups[1]);
        pass.end();
        encoder.copyBufferToBuffer(m.out, 0, m.read, 0, m.rows * 4);
        device.queue.submit([encoder.finish()]);
        gpu.dispatches++;
        await m.read.mapAsync(GPUMapMode.READ);
        const result = new Float32Array(m.read.getMappedRange(0, m.rows * 4).slice(0));
        m.read.unmap();
        return result;
      },
    };
    const info = adapter.info || {};
    const name = [info.vendor, info.architecture].filter((s) => s).join(' ') || 'adapter';
    return { gpu, description: name + (info.isFallbackAdapter ? ', fallback' : '') };
  };
})();
