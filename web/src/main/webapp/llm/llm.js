// The language model for the page, after seed 004's web API: isGpuAvailable(), a model loaded
// into a Web Worker (BrowserLlm.load), and generations as async iterators of tokens:
//   const llm = await BrowserLlm.load({ source: { kind: 'tiny', seed: 1, dtype: 'q8_0' } });
//   const run = llm.generate('Once upon a time', { maxTokens: 32, temperature: 0 });
//   for await (const t of run) out.textContent += t.text;   // t = {id, text}
//   run.stats  // {tokens, tokS, ttftMs, totalMs, promptTokens, finishReason} once it has ended
// serverGenerate() gives the same shape for POST /v1/generate's event stream. Breaking out of the
// loop cancels the generation: the worker makes tokens only as the loop asks for them (run.stats
// then says how many, finishReason 'cancelled'); the server stops at its next write.
import { hasWasmGC } from '../matmul/operands.js';

/** True when WebGPU is here and offers an adapter (what the worker will then use). */
export async function isGpuAvailable() {
  if (!('gpu' in navigator)) return false;
  try {
    return (await navigator.gpu.requestAdapter()) !== null;
  } catch (e) {
    return false;
  }
}

/**
 * The tokens of one generation: async-iterable once; stats is set when it has ended (when the loop
 * left early: for the in-browser model, what was generated until then; for the server, null).
 */
export class TokenRun {
  #source;
  constructor(makeSource) {
    this.stats = null;
    // An async generator yielding tokens and returning the stats; it may set stats itself.
    this.#source = makeSource(this);
  }

  async *[Symbol.asyncIterator]() {
    let step = null;
    try {
      while (!(step = await this.#source.next()).done) yield step.value;
      this.stats = step.value;
    } finally {
      if (!step || !step.done) await this.#source.return();
    }
  }
}

/** A model in its own Web Worker, running the TeaVM-compiled runtime. */
export class BrowserLlm {
  #worker;
  #pending = new Map(); // request id -> message handler
  #nextId = 0;
  #generation = 0; // which generate() call owns the worker's generation

  constructor(worker) {
    this.#worker = worker;
    worker.onmessage = (e) => {
      const handler = this.#pending.get(e.data.id);
      if (handler) handler(e.data);
    };
    worker.onerror = (e) => {
      const message = e.message || 'the LLM worker failed';
      for (const handler of this.#pending.values()) handler({ type: 'error', message });
    };
  }

  /**
   * Loads a model. source: {kind: 'tiny', seed, dtype} (made in the worker from its seed: seed 1,
   * q8_0 is the server's --model tiny), {kind: 'gguf', url} or {kind: 'llama2c', url, tokenizer}.
   * impl: 'wasm' | 'js' | 'auto' (WasmGC where the browser has it). gpu: 'auto' (the big weight
   * mat-vecs, >= 2^20 weights, on WebGPU when there is an adapter), 'all' (every weight mat-vec) or
   * 'off'. Resolves once loaded; backend ('webgpu', 'wasm' or 'js') says what computes, why says
   * why.
   */
  static async load({ source = { kind: 'tiny', seed: 1, dtype: 'q8_0' }, impl = 'auto', gpu = 'auto' } = {}) {
    const chosen = impl === 'auto' ? (hasWasmGC() ? 'wasm' : 'js') : impl;
    const worker = new Worker(new URL(`llm-worker.js?impl=${chosen}`, import.meta.url));
    const llm = new BrowserLlm(worker);
    try {
      const loaded = await llm.#request({ type: 'load', source, gpu });
      Object.assign(llm, {
        info: loaded.info, backend: loaded.backend, why: loaded.why, version: loaded.version,
        loadMs: loaded.loadMs, impl: chosen,
      });
      return llm;
    } catch (e) {
      worker.terminate();
      throw e;
    }
  }

  #request(message) {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (reply) => {
        this.#pending.delete(id);
        if (reply.type === 'error') reject(new Error(reply.message));
        else resolve(reply);
      });
      this.#worker.postMessage({ ...message, id });
    });
  }

  /** Resolves to the logits after prompt's last token (a Float32Array), computed as generation does. */
  async logits(prompt) {
    return (await this.#request({ type: 'logits', prompt })).logits;
  }

  /**
   * Generates from prompt. config: {maxTokens = 128, temperature = 0.8, topK = 0, topP = 0.9,
   * seed = 42, stop = []}, the server's defaults. One generation at a time: starting another ends
   * this one (its loop then fails).
   */
  generate(prompt, config = {}) {
    return new TokenRun((run) => this.#tokens(prompt, { ...DEFAULTS, ...config }, run));
  }

  async *#tokens(prompt, config, run) {
    const mine = ++this.#generation;
    await this.#request({ type: 'start', prompt, config });
    let ended = false;
    try {
      for (;;) {
        if (mine !== this.#generation) throw new Error('another generation was started on this model');
        const reply = await this.#request({ type: 'next' });
        if (reply.type === 'done') {
          ended = true;
          return reply.stats;
        }
        yield reply.token;
      }
    } catch (e) {
      ended = true;
      throw e;
    } finally {
      if (!ended && mine === this.#generation) {
        run.stats = (await this.#request({ type: 'cancel' })).stats;
      }
    }
  }

  terminate() {
    this.#worker.terminate();
  }
}

const DEFAULTS = { maxTokens: 128, temperature: 0.8, topK: 0, topP: 0.9, seed: 42, stop: [] };

/** POST /v1/generate, its event stream as a TokenRun (token {id, text}; stats from `done`). */
export function serverGenerate(prompt, config = {}, token = '') {
  return new TokenRun(() => serverTokens(prompt, { ...DEFAULTS, ...config }, token));
}

async function* serverTokens(prompt, c, token) {
  const body = {
    prompt, max_tokens: c.maxTokens, temperature: c.temperature, top_k: c.topK, top_p: c.topP,
    seed: c.seed, stop: c.stop, stream: true,
  };
  if (c.model) body.model = c.model;
  const headers = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const abort = new AbortController();
  const response = await fetch('v1/generate', { method: 'POST', headers, body: JSON.stringify(body), signal: abort.signal });
  if (!response.ok) {
    const text = await response.text();
    let message = text;
    try {
      const error = JSON.parse(text);
      message = error.message || (error.error && error.error.message) || text;
    } catch (e) {
      // not JSON: the text itself says what went wrong
    }
    throw new Error(`POST /v1/generate: HTTP ${response.status}: ${message}`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let ended = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('POST /v1/generate: the stream ended without a done event');
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event.name === 'token') {
          yield { id: event.data.id, text: event.data.token };
        } else if (event.name === 'done') {
          ended = true;
          const d = event.data;
          return {
            tokens: d.tokens, tokS: d.tok_s, ttftMs: d.ttft_ms, totalMs: d.total_ms,
            promptTokens: d.prompt_tokens, finishReason: d.finish_reason, model: d.model,
          };
        } else if (event.name === 'error') {
          ended = true;
          throw new Error(`POST /v1/generate: ${event.data.message || JSON.stringify(event.data)}`);
        }
      }
    }
  } finally {
    if (!ended) abort.abort(); // the server stops generating at its next write
  }
}

function parseEvent(block) {
  let name = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return { name, data: data.length ? JSON.parse(data.join('\n')) : null };
}
