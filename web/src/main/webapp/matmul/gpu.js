// f32 matmul as a WGSL compute shader (WGSL has no f64). Each 16×16 workgroup computes one 16×16
// tile of C, staging 16×16 tiles of A and B in workgroup memory so each entry is read from the
// storage buffer once per tile instead of once per product term.
const TILE = 16;
const SHADER = /* wgsl */ `
struct Dims { m : u32, k : u32, n : u32, pad : u32 }
@group(0) @binding(0) var<uniform> dims : Dims;
@group(0) @binding(1) var<storage, read> a : array<f32>;
@group(0) @binding(2) var<storage, read> b : array<f32>;
@group(0) @binding(3) var<storage, read_write> c : array<f32>;

const T : u32 = ${TILE}u;
var<workgroup> ta : array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> tb : array<array<f32, ${TILE}>, ${TILE}>;

@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(global_invocation_id) gid : vec3<u32>,
        @builtin(local_invocation_id) lid : vec3<u32>) {
  let row = gid.y;
  let col = gid.x;
  var acc = 0.0;
  let tiles = (dims.k + T - 1u) / T;  // uniform, so the barriers below are in uniform control flow
  for (var t = 0u; t < tiles; t++) {
    let ac = t * T + lid.x;
    let br = t * T + lid.y;
    var va = 0.0;                        // zero padding past the edges adds nothing
    if (row < dims.m && ac < dims.k) { va = a[row * dims.k + ac]; }
    var vb = 0.0;
    if (br < dims.k && col < dims.n) { vb = b[br * dims.n + col]; }
    ta[lid.y][lid.x] = va;
    tb[lid.y][lid.x] = vb;
    workgroupBarrier();
    for (var p = 0u; p < T; p++) { acc = acc + ta[lid.y][p] * tb[p][lid.x]; }
    workgroupBarrier();
  }
  if (row < dims.m && col < dims.n) { c[row * dims.n + col] = acc; }
}`;

let gpu = null; // {device, pipeline, adapterInfo} once found; the reason why not otherwise

// Resolves to {device, pipeline, description} or {missing: 'why'}; asks the browser only once.
export async function webgpu() {
  if (gpu) return gpu;
  if (!('gpu' in navigator)) {
    gpu = { missing: 'this browser has no WebGPU (navigator.gpu)' };
    return gpu;
  }
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) {
    gpu = { missing: 'WebGPU offers no adapter here' };
    return gpu;
  }
  const device = await adapter.requestDevice();
  const module = device.createShaderModule({ code: SHADER });
  const pipeline = await device.createComputePipelineAsync({
    layout: 'auto',
    compute: { module, entryPoint: 'main' },
  });
  const info = adapter.info || {};
  const name = [info.vendor, info.architecture].filter((s) => s).join(' ') || 'adapter';
  gpu = { device, pipeline, description: name + (info.isFallbackAdapter ? ', fallback' : '') };
  return gpu;
}

// C = A·B in f32 on the GPU (A m×k, B k×n, Float32Array); resolves to C.
export async function gpuMultiply(m, k, n, a, b) {
  const { device, pipeline } = await webgpu();
  const storage = (data) => {
    const buffer = device.createBuffer({
      size: Math.max(4, data.byteLength),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  };
  const dims = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(dims, 0, new Uint32Array([m, k, n, 0]));
  const ba = storage(a);
  const bb = storage(b);
  const size = Math.max(4, m * n * 4);
  const bc = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [dims, ba, bb, bc].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  device.pushErrorScope('validation');
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(Math.ceil(n / TILE), Math.ceil(m / TILE));
  pass.end();
  encoder.copyBufferToBuffer(bc, 0, read, 0, size);
  device.queue.submit([encoder.finish()]);
  const error = await device.popErrorScope();
  if (error) throw new Error('WebGPU: ' + error.message);
  await read.mapAsync(GPUMapMode.READ);
  const c = new Float32Array(read.getMappedRange().slice(0, m * n * 4));
  read.unmap();
  [dims, ba, bb, bc, read].forEach((buffer) => buffer.destroy());
  return c;
}
