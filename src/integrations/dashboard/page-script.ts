/**
 * The page's script, plain ES2020 run as it is (no build step). It reads `CONFIG` (set by the page),
 * follows `events` beside the page through EventSource and draws every breaker. Names from the server
 * only ever reach the page as text (textContent), never as HTML.
 */
export const pageScript = String.raw`'use strict';
const base = location.pathname.endsWith('/') ? location.pathname : location.pathname + '/';
const grid = document.getElementById('grid');
const list = document.getElementById('transitions');
const conn = document.getElementById('conn');
const summary = document.getElementById('summary');
const notice = document.getElementById('notice');
const cards = new Map();
let recent = [];
let historySize = 180;
const SVG = 'http://www.w3.org/2000/svg';

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}
function fmtRate(n) { return n >= 100 ? String(Math.round(n)) : String(Math.round(n * 10) / 10); }
function fmtPct(r) { return r === null || r === undefined ? '–' : Math.round(r * 100) + '%'; }
function fmtMs(ms) {
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60000) return Math.round(ms / 100) / 10 + ' s';
  return Math.floor(ms / 60000) + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
}
function fmtTime(at) { return new Date(at).toLocaleTimeString(); }
function label(state) { return state.replace('_', ' '); }

function fig(card, key, caption) {
  const box = el('div', 'fig');
  const value = el('b', '', '0');
  box.append(value, el('span', '', caption));
  card.figs[key] = value;
  return box;
}

function createCard(name) {
  const root = el('article', 'card');
  root.dataset.circuit = name;
  const card = { root, figs: {}, history: [], view: null, retryAt: null };
  const top = el('div', 'top');
  card.badge = el('span', 'badge');
  top.append(el('span', 'name', name), card.badge);
  const figs = el('div', 'figs');
  figs.append(fig(card, 'calls', 'calls/s'), fig(card, 'rate', 'failure rate'), fig(card, 'rejected', 'rejected/s'), fig(card, 'failures', 'failures'));
  card.retry = el('div', 'retry');
  card.svg = document.createElementNS(SVG, 'svg');
  card.svg.setAttribute('class', 'spark');
  card.svg.setAttribute('viewBox', '0 0 100 36');
  card.svg.setAttribute('preserveAspectRatio', 'none');
  card.calls = document.createElementNS(SVG, 'polyline');
  card.calls.setAttribute('class', 'c');
  card.fails = document.createElementNS(SVG, 'polyline');
  card.fails.setAttribute('class', 'f');
  card.svg.append(card.calls, card.fails);
  card.det = el('div', 'det');
  root.append(top, figs, card.retry, card.svg, card.det);
  if (CONFIG.canAct) {
    const actions = el('div', 'actions');
    for (const action of ['trip', 'reset', 'disable']) {
      const button = el('button', '', action);
      button.type = 'button';
      button.dataset.action = action;
      button.addEventListener('click', () => act(name, action));
      actions.append(button);
    }
    root.append(actions);
  }
  grid.append(root);
  cards.set(name, card);
  return card;
}

function detectorText(d, threshold) {
  if (!d) return '';
  const parts = [];
  const slowOnly = d.slowCallRate !== undefined && d.failureRate === null && d.failures === 0;
  if (d.failureRate === null && d.slowCallRate === undefined) parts.push('failures in a row ' + d.failures + '/' + threshold);
  else parts.push('window ' + d.calls + ' calls' + (slowOnly ? '' : ', ' + d.failures + ' failed (' + fmtPct(d.failureRate) + ')'));
  if (d.slowCallRate !== undefined) parts.push('slow ' + (d.slowCalls || 0) + ' (' + fmtPct(d.slowCallRate) + ')');
  return 'detector: ' + parts.join(', ');
}

function apply(view, t) {
  const card = cards.get(view.name) || createCard(view.name);
  card.view = view;
  card.root.dataset.state = view.state;
  card.badge.textContent = label(view.state);
  card.figs.calls.textContent = fmtRate(view.callsPerSec);
  card.figs.rate.textContent = fmtPct(view.failureRate);
  card.figs.rejected.textContent = fmtRate(view.rejectedPerSec);
  card.figs.failures.textContent = String(view.totals.failures);
  card.det.textContent = detectorText(view.detector, view.failureThreshold);
  card.retryAt = view.retryInMs === null ? null : Date.now() + view.retryInMs - Math.max(0, Date.now() - t);
  drawRetry(card);
}

function drawRetry(card) {
  card.retry.textContent = card.retryAt === null ? '' : 'trial call in ' + fmtMs(Math.max(0, card.retryAt - Date.now()));
}

function point(card, calls, fails) {
  card.history.push([calls, fails]);
  if (card.history.length > historySize) card.history.shift();
  const max = Math.max(1, ...card.history.map((p) => p[0]));
  const step = 100 / Math.max(1, historySize - 1);
  const offset = historySize - card.history.length;
  const line = (i) => card.history.map((p, j) => ((offset + j) * step).toFixed(1) + ',' + (35 - (p[i] / max) * 33).toFixed(1)).join(' ');
  card.calls.setAttribute('points', line(0));
  card.fails.setAttribute('points', line(1));
}

function tripText(d) {
  if (!d) return '';
  const rate = d.slowCallRate !== undefined && d.slowCallRate !== null && d.failureRate === null ? d.slowCallRate : d.failureRate;
  return rate === null || rate === undefined ? ' after ' + d.failures + ' failures' : ' at ' + fmtPct(rate) + ' of ' + d.calls + ' calls';
}

function addTransitions(items) {
  if (items.length === 0) return;
  recent = items.concat(recent).slice(0, 50);
  list.replaceChildren();
  for (const tr of recent) {
    const li = el('li');
    li.dataset.circuit = tr.name;
    li.append(el('time', '', fmtTime(tr.at)), el('span', 'name', tr.name + ' '), el('span', '', label(tr.from) + ' \u2192 '), el('span', 'to', label(tr.to)), el('span', '', ' (' + tr.reason + ')' + tripText(tr.detector)));
    list.append(li);
  }
}

function updateSummary() {
  const counts = {};
  for (const card of cards.values()) if (card.view) counts[card.view.state] = (counts[card.view.state] || 0) + 1;
  const text = Object.keys(counts).sort().map((s) => counts[s] + ' ' + label(s)).join(' · ');
  summary.textContent = cards.size + ' circuits' + (text ? ' — ' + text : '');
}

const source = new EventSource(base + 'events');
source.addEventListener('open', () => { conn.textContent = 'live'; conn.className = 'live'; });
source.addEventListener('error', () => { conn.textContent = 'reconnecting…'; conn.className = ''; });
source.addEventListener('snapshot', (message) => {
  const snap = JSON.parse(message.data);
  historySize = Math.max(2, snap.historySize);
  cards.clear();
  grid.replaceChildren();
  recent = [];
  for (const b of snap.breakers) {
    apply(b, snap.t);
    const card = cards.get(b.name);
    for (const p of b.history) point(card, p[0], p[1]);
  }
  addTransitions(snap.transitions);
  if (snap.breakers.length === 0) notice.textContent = 'No circuit breakers in this registry yet.';
  updateSummary();
});
source.addEventListener('update', (message) => {
  const update = JSON.parse(message.data);
  for (const name of update.removed) {
    const card = cards.get(name);
    if (card) { card.root.remove(); cards.delete(name); }
  }
  const changed = new Set();
  for (const view of update.breakers) { apply(view, update.t); changed.add(view.name); }
  if (update.tick) {
    for (const card of cards.values()) {
      const moved = changed.has(card.view.name);
      point(card, moved ? card.view.callsPerSec : 0, moved ? card.view.failuresPerSec : 0);
    }
  }
  addTransitions(update.transitions.slice().reverse());
  if (cards.size > 0) notice.textContent = '';
  updateSummary();
});
setInterval(() => { for (const card of cards.values()) if (card.retryAt !== null) drawRetry(card); }, 250);

async function act(name, action) {
  if (action !== 'reset' && !confirm(action + ' circuit "' + name + '"?')) return;
  const response = await fetch(base + 'actions?circuit=' + encodeURIComponent(name) + '&action=' + action, {
    method: 'POST',
    headers: { 'x-tripswitch-dashboard': '1' },
  });
  notice.textContent = response.ok ? action + ' "' + name + '": done' : action + ' "' + name + '" refused (' + response.status + ')';
}
`;
