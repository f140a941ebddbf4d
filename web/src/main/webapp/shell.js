// The app's shell: which view shows (the URL's hash: #matmul, #sim, #chat, #cluster), the one
// access token every view sends (kept in sessionStorage, so it survives a reload but not the tab),
// and the API calls they share. A 401 puts the shell in a "token required" state, shown once in the
// header; views stop polling until the token changes.
const TOKEN_KEY = 'wasmgrid.token';
export const VIEWS = ['matmul', 'sim', 'chat', 'cluster'];
const $ = (id) => document.getElementById(id);
const tokenListeners = [];
const viewListeners = [];

/** An HTTP error answer: status, and the server's message. */
export class HttpError extends Error {
  constructor(status, message) {
    super(`HTTP ${status}: ${message}`);
    this.status = status;
  }
}

/** The access token now ('' for none). */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

/** Request headers with the token's Authorization, when there is one. */
export function authHeaders(extra = {}) {
  const t = token();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

/** Calls fn() each time the token changes. */
export function onTokenChange(fn) {
  tokenListeners.push(fn);
}

/** Calls fn(view) each time the shown view changes. */
export function onViewChange(fn) {
  viewListeners.push(fn);
}

/** The view shown now; without a hash, the one whose settings the query presets (?sim=, ?llm-*). */
export function currentView() {
  const name = location.hash.replace(/^#/, '');
  if (VIEWS.includes(name)) return name;
  const keys = [...new URLSearchParams(location.search).keys()];
  if (keys.some((k) => k === 'sim' || k.startsWith('sim_'))) return 'sim';
  if (keys.some((k) => k.startsWith('llm-') || k.startsWith('chat'))) return 'chat';
  return 'matmul';
}

/** The error an answer that is not ok stands for (the server's JSON error message where it has one). */
export async function failure(response) {
  const text = await response.text().catch(() => '');
  let message = text || response.statusText;
  try {
    const json = JSON.parse(text);
    message = (json.error && json.error.message) || json.message || message;
  } catch (e) {
    // not JSON: the text itself says what went wrong
  }
  if (response.status === 401) tokenRefused();
  return new HttpError(response.status, message);
}

/** A JSON API call; rejects with an HttpError for an answer that is not ok. */
export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: authHeaders(body ? { 'Content-Type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** True after a 401, until the token changes: pollers wait instead of asking again. */
export function tokenNeeded() {
  return document.body.dataset.token === 'required';
}

function tokenRefused() {
  if (tokenNeeded()) return;
  document.body.dataset.token = 'required';
  const state = $('token-state');
  state.textContent = token() ? 'token refused: enter the right one' : 'token required';
  state.className = 'error';
}

function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
  delete document.body.dataset.token;
  $('token-state').textContent = value ? 'token set' : '';
  $('token-state').className = '';
  tokenListeners.forEach((fn) => fn());
}

function showView() {
  const view = currentView();
  for (const name of VIEWS) {
    const section = $(`view-${name}`);
    section.hidden = name !== view;
    const link = document.querySelector(`nav a[href="#${name}"]`);
    if (name === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  viewListeners.forEach((fn) => fn(view));
}

$('token').value = token();
$('token-state').textContent = token() ? 'token set' : '';
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken($('token').value.trim());
});
$('token-clear').addEventListener('click', () => {
  $('token').value = '';
  setToken('');
});
window.addEventListener('hashchange', showView);
showView();

/** A table cell: the value as text ('–' for none), right-aligned when numeric. */
export function cell(value, numeric) {
  const td = document.createElement('td');
  td.textContent = value === null || value === undefined ? '–' : String(value);
  if (numeric) td.className = 'num';
  return td;
}

/**
 * A response's server-sent events as {event, data}, the data lines joined; blocks without data
 * (keep-alive comments) are skipped. Ends with the stream.
 */
export async function* events(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    pending += value.replaceAll('\r\n', '\n');
    let end;
    while ((end = pending.indexOf('\n\n')) >= 0) {
      const block = pending.slice(0, end);
      pending = pending.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      const text = data.join('\n');
      if (text !== '') yield { event, data: text };
    }
  }
}
