// The Chat view: a conversation with a served model. Each turn sends the whole conversation (the
// messages array) to POST /v1/chat/completions with "stream": true; the server applies the model's
// chat template. Streamed deltas are appended to the answer as they come; Stop aborts the request
// (the server stops generating at its next write) and keeps what came. State for tests and the
// console stays on window.chat.
import { authHeaders, failure, api, events, onTokenChange, onViewChange, currentView, tokenNeeded } from '../shell.js';

const $ = (id) => document.getElementById(id);
const chat = { messages: [], turns: 0, lastRequest: null, state: 'ready', error: null, finishReason: null };
window.chat = chat;
let abort = null; // the AbortController of the turn streaming now

function setStatus(text, error = false) {
  $('chat-status').textContent = text;
  $('chat-status').className = error ? 'error' : '';
  chat.state = text;
  chat.error = error ? text : null;
}

function bubble(role, text) {
  const div = document.createElement('div');
  div.className = `msg ${role}`;
  div.dataset.role = role;
  div.textContent = text;
  $('chat-log').append(div);
  $('chat-log').scrollTop = $('chat-log').scrollHeight;
  return div;
}

// The answer's events: `data:` lines of chat.completion.chunk objects, then `data: [DONE]`; an
// `event: error` carries an OpenAI error body.
async function* chunks(response) {
  for await (const { event, data } of events(response)) {
    if (data === '[DONE]') return;
    const json = JSON.parse(data);
    if (event === 'error' || json.error) throw new Error((json.error && json.error.message) || data);
    yield json;
  }
  throw new Error('the answer ended before [DONE]');
}

function settings() {
  const max = Number($('chat-max').value);
  const temperature = Number($('chat-temp').value);
  if (!Number.isInteger(max) || max < 1 || max > 4096) throw new Error('max tokens must be a whole number from 1 to 4096');
  if (!(temperature >= 0 && temperature <= 2)) throw new Error('temperature must be from 0 to 2');
  return { model: $('chat-model').value, max, temperature };
}

async function send() {
  const text = $('chat-input').value.trim();
  if (!text) throw new Error('type a message first');
  const s = settings();
  const messages = [...chat.messages, { role: 'user', content: text }];
  const body = { messages, max_tokens: s.max, temperature: s.temperature, stream: true };
  if (s.model) body.model = s.model;
  chat.lastRequest = body;
  bubble('user', text);
  $('chat-input').value = '';
  chat.messages = messages; // the question stays in the conversation, answered or not
  const answer = bubble('assistant', '');
  answer.setAttribute('aria-busy', 'true');
  abort = new AbortController();
  $('chat-stop').disabled = false;
  setStatus('waiting for the model…');
  let content = '';
  try {
    const response = await fetch('v1/chat/completions', {
      method: 'POST',
      headers: authHeaders({ 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
      body: JSON.stringify(body),
      signal: abort.signal,
    });
    if (!response.ok) throw await failure(response);
    setStatus('streaming…');
    for await (const chunk of chunks(response)) {
      for (const choice of chunk.choices || []) {
        if (choice.delta && choice.delta.content) {
          content += choice.delta.content;
          answer.textContent = content;
          $('chat-log').scrollTop = $('chat-log').scrollHeight;
        }
        if (choice.finish_reason) chat.finishReason = choice.finish_reason;
      }
    }
    setStatus(`done (${chat.finishReason || 'stop'})`);
  } catch (e) {
    if (e.name === 'AbortError') {
      chat.finishReason = 'stopped';
      setStatus('stopped');
    } else {
      bubble('error', `failed: ${e.message}`);
      throw e;
    }
  } finally {
    if (!content) answer.remove();
    abort = null;
    $('chat-stop').disabled = true;
    answer.removeAttribute('aria-busy');
    // What came (all of it, or up to Stop) is the assistant's turn; a failure before any adds none.
    if (content) chat.messages = [...chat.messages, { role: 'assistant', content }];
  }
  chat.turns++;
}

// The models the grid serves, for the model selector (quietly none when the server has none).
async function loadModels() {
  if (tokenNeeded()) return;
  try {
    const { data } = await api('GET', 'v1/models');
    const chosen = $('chat-model').value;
    const options = data.map((m) => new Option(m.id, m.id));
    $('chat-model').replaceChildren(new Option('(default)', ''), ...options);
    $('chat-model').value = data.some((m) => m.id === chosen) ? chosen : '';
    if (data.length === 0 && !abort) setStatus('the grid serves no model yet: start a worker with --model', true);
    else if (chat.error && chat.error.startsWith('the grid serves no model')) setStatus('ready');
  } catch (e) {
    $('chat-model').replaceChildren(new Option('(default)', ''));
  }
}

$('chat-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (abort) return;
  $('chat-send').disabled = true;
  try {
    await send();
  } catch (err) {
    chat.finishReason = null;
    setStatus(`failed: ${err.message}`, true);
    console.warn(err);
  } finally {
    $('chat-send').disabled = false;
  }
});
// Enter sends, Shift+Enter breaks the line.
$('chat-input').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    $('chat-form').requestSubmit();
  }
});
$('chat-stop').addEventListener('click', () => abort && abort.abort());
$('chat-new').addEventListener('click', () => {
  if (abort) abort.abort();
  chat.messages = [];
  chat.turns = 0;
  $('chat-log').replaceChildren();
  setStatus('ready');
});

const loadShown = () => currentView() === 'chat' && loadModels();
onTokenChange(loadShown);
onViewChange(loadShown);
loadShown();
