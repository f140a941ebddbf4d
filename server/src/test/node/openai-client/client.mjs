// Drives wasmgrid's OpenAI-compatible routes with the official `openai` client, as a user would,
// and prints what it saw as one JSON object for OpenAiClientTest to check.
// Usage: node client.mjs BASE_URL MODEL   (BASE_URL ends in /v1)
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';

const [baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: 'no-token', maxRetries: 0, timeout: 60_000 });
const messages = [{ role: 'user', content: 'Tell me a story' }];
const installed = new URL('./node_modules/openai/package.json', import.meta.url);
const out = { version: JSON.parse(readFileSync(installed, 'utf8')).version };

/** The error the client raises, as {name, status, param, message}; null when the call succeeds. */
async function refusal(call) {
  try {
    await call();
    return null;
  } catch (e) {
    return { name: e.constructor.name, status: e.status, param: e.param ?? null, message: e.message };
  }
}

const contents = (r) => r.choices.map((c) => c.message.content);

const models = await client.models.list();
out.listed = models.data.map((m) => m.id);
out.retrieved = (await client.models.retrieve(model)).id;
out.missingModel = await refusal(() => client.models.retrieve('no-such-model'));

const short = await client.chat.completions.create({
  model, messages, max_completion_tokens: 3, temperature: 0,
});
out.short = { usage: short.usage, finish: short.choices[0].finish_reason };

const seeded = { model, messages, max_completion_tokens: 8, temperature: 1, seed: 5 };
const two = await client.chat.completions.create({ ...seeded, n: 2 });
out.n = {
  indexes: two.choices.map((c) => c.index),
  contents: contents(two),
  again: contents(await client.chat.completions.create({ ...seeded, n: 2 })),
  fingerprint: two.system_fingerprint ?? null,
  usage: two.usage,
};

const unseeded = { model, messages, max_completion_tokens: 24, temperature: 1, top_p: 1 };
out.unseeded = [
  contents(await client.chat.completions.create(unseeded))[0],
  contents(await client.chat.completions.create(unseeded))[0],
];

const withLogprobs = await client.chat.completions.create({
  model, messages, max_completion_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 3,
});
out.logprobs = {
  completionTokens: withLogprobs.usage.completion_tokens,
  content: withLogprobs.choices[0].message.content,
  tokens: withLogprobs.choices[0].logprobs.content.map((t) => ({
    token: t.token, logprob: t.logprob, bytes: t.bytes, top: t.top_logprobs.length,
  })),
};

const stream = await client.chat.completions.create({
  ...seeded, n: 2, stream: true, stream_options: { include_usage: true },
});
const streamed = [];
let usage = null;
for await (const chunk of stream) {
  for (const c of chunk.choices) {
    streamed[c.index] = (streamed[c.index] ?? '') + (c.delta?.content ?? '');
  }
  usage = chunk.usage ?? usage;
}
out.stream = { contents: streamed, usage };

const legacy = await client.completions.create({
  model, prompt: 'Once upon a time', max_tokens: 4, temperature: 0, logprobs: 2,
});
out.legacy = { text: legacy.choices[0].text, tokens: legacy.choices[0].logprobs.tokens };

out.tools = await refusal(() => client.chat.completions.create({
  model, messages, max_completion_tokens: 3,
  tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
}));
out.jsonSchema = await refusal(() => client.chat.completions.create({
  model, messages, max_completion_tokens: 3,
  response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
}));

console.log(JSON.stringify(out));
