// Small DOM and formatting helpers shared by the views.

// h('td', { class: 'num', text: '3' }, child, ...): an element; attributes starting with "on" become listeners,
// "style" takes an object (set through the CSSOM, which the page's Content-Security-Policy allows).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') el.textContent = value;
    else if (name === 'class') el.className = value;
    else if (name === 'style') Object.assign(el.style, value);
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

// Replaces root's children, skipping null/false and flattening arrays (replaceChildren would print "null").
export function mount(root, ...children) {
  root.replaceChildren();
  append(root, children);
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

const dash = '\u2013';

export const fmt = {
  int: n => (n === null || n === undefined ? dash : Math.round(n).toLocaleString('en-US')),
  num: (n, digits = 1) => (n === null || n === undefined ? dash : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })),
  ms: n => (n === null || n === undefined ? dash : `${n < 10 ? n.toFixed(2) : n < 1000 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US')} ms`),
  pct: (r, digits = 1) => (r === null || r === undefined || Number.isNaN(r) ? dash : `${(r * 100).toFixed(digits)}%`),
  bytes: b => {
    if (b === null || b === undefined) return dash;
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let i = 0;
    let v = b;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
  },
  seconds: s => {
    if (s === null || s === undefined) return dash;
    if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
    return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  },
  time: t => (t ? new Date(t).toLocaleTimeString('en-GB', { hour12: false }) : dash),
  dateTime: t => (t ? new Date(t).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : dash),
};

export const card = (label, value, note) =>
  h('div', { class: 'card' }, h('div', { class: 'label', text: label }), h('div', { class: 'value', text: value }), note ? h('div', { class: 'note', text: note }) : null);

export const panel = (title, ...children) => h('section', { class: 'panel' }, title ? h('h3', { text: title }) : null, ...children);

export const badge = (text, kind) => h('span', { class: kind ? `badge ${kind}` : 'badge', text });

export const empty = text => h('p', { class: 'empty', text });

// A horizontal bar filled to fraction (0..1).
export function bar(fraction, color, big) {
  const fill = h('span', { style: { width: `${Math.max(0, Math.min(1, fraction ?? 0)) * 100}%`, background: color ?? '' } });
  return h('div', { class: big ? 'bar big' : 'bar' }, fill);
}

// A table from column definitions { label, value: row => text|Node, num, sort: row => comparable }. Columns with a
// sort function sort the rows in place when their header is clicked; onRow makes rows clickable.
// Pass state ({ col, asc }) to keep the person's choice of sort across redraws of a polled view.
export function table(columns, rows, { onRow, sortBy, id, state: kept } = {}) {
  const body = h('tbody');
  const heads = columns.map((c, i) => h('th', { class: [c.num ? 'num' : '', c.sort ? 'sortable' : ''].join(' ').trim() || null, text: c.label, 'data-col': i }));
  const state = kept ?? {};
  state.col ??= sortBy?.col ?? -1;
  state.asc ??= sortBy?.asc ?? false;
  const fill = () => {
    let shown = rows;
    if (state.col >= 0 && columns[state.col].sort) {
      const key = columns[state.col].sort;
      shown = [...rows].sort((a, b) => {
        const x = key(a);
        const y = key(b);
        // Rows without a value go last whichever way the column is sorted.
        if (x === null || x === undefined || y === null || y === undefined) {
          return (x === null || x === undefined) - (y === null || y === undefined);
        }
        const order = x === y ? 0 : x < y ? -1 : 1;
        return state.asc ? order : -order;
      });
    }
    heads.forEach((th, i) => {
      th.classList.toggle('sorted', i === state.col);
      th.classList.toggle('asc', i === state.col && state.asc);
    });
    body.replaceChildren(...shown.map(row => h('tr', { class: onRow ? 'clickable' : null, onclick: onRow ? e => onRow(row, e.currentTarget) : null },
      columns.map(c => h('td', { class: c.num ? 'num' : c.class ?? null, title: c.title?.(row) }, c.value(row))))));
  };
  heads.forEach((th, i) => {
    if (!columns[i].sort) return;
    th.addEventListener('click', () => {
      state.asc = state.col === i ? !state.asc : false;
      state.col = i;
      fill();
    });
  });
  fill();
  // Wrapped so a wide table scrolls inside its panel instead of widening the page.
  return h('div', { class: 'scroll' }, h('table', { id }, h('thead', {}, h('tr', {}, heads)), body));
}
