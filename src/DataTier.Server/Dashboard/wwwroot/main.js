// Login, navigation and the view lifecycle. Each view module exports render(root, context) and may return a function
// that stops its polling when another view opens.
import { ApiError, forgetKey, login, storedKey } from './api.js';
import { h } from './dom.js';
import * as ring from './views/ring.js';
import * as cache from './views/cache.js';
import * as slow from './views/slow.js';
import * as performance from './views/performance.js';
import * as advice from './views/advice.js';
import * as rebalance from './views/rebalance.js';

const views = { ring, cache, slow, performance, advice, rebalance };
const $ = id => document.getElementById(id);
// ?poll=MS shortens the polling interval (the tests use it); the default suits a person watching.
const pollMs = Math.max(250, Number(new URLSearchParams(location.search).get('poll')) || 3000);
let stop = null;
let opened = 0;

function showLogin(message) {
  forgetKey();
  stop?.();
  stop = null;
  $('nav').hidden = true;
  $('logout').hidden = true;
  $('view').hidden = true;
  $('login').hidden = false;
  const error = $('login-error');
  error.hidden = !message;
  error.textContent = message ?? '';
  $('key').focus();
}

async function open() {
  const name = location.hash.slice(1) in views ? location.hash.slice(1) : 'ring';
  stop?.();
  stop = null;
  $('login').hidden = true;
  $('nav').hidden = false;
  $('logout').hidden = false;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === name);
  const root = $('view');
  root.hidden = false;
  root.removeAttribute('data-ready');
  root.replaceChildren(h('p', { class: 'loading', text: 'Loading\u2026' }));
  // A view opened while another was still loading wins: the older one is stopped as soon as it has rendered.
  const generation = ++opened;
  try {
    const stopThis = (await views[name].render(root, { pollMs, fail })) ?? null;
    if (generation !== opened) {
      stopThis?.();
      return;
    }
    stop = stopThis;
    root.dataset.ready = name;
  } catch (e) {
    if (generation === opened) fail(e, root);
  }
}

// A key that stopped working (rotated out, or the server restarted with other keys) sends the person back to log in.
function fail(e, root) {
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
    showLogin(`The admin API refused the key: ${e.describe()}`);
    return;
  }
  root.replaceChildren(h('p', { class: 'error', role: 'alert', text: e instanceof ApiError ? e.describe() : String(e) }));
  root.dataset.ready = 'error';
}

$('login-form').addEventListener('submit', async event => {
  event.preventDefault();
  const key = $('key').value.trim();
  const button = event.submitter ?? event.target.querySelector('button');
  button.disabled = true;
  try {
    await login(key);
    $('key').value = '';
    $('login-error').hidden = true;
    await open();
  } catch (e) {
    const reason = e instanceof ApiError
      ? e.status === 403
        ? `Refused: this key does not have the admin scope; log in with an admin key. The server answered ${e.describe()}`
        : `Refused: ${e.describe()}`
      : `The server could not be reached: ${e}`;
    showLogin(reason);
  } finally {
    button.disabled = false;
  }
});

$('logout').addEventListener('click', () => showLogin());
window.addEventListener('hashchange', () => storedKey() && open());

if (storedKey()) {
  open();
} else {
  showLogin();
}
