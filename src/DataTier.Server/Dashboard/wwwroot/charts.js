// Small SVG charts: a time series, horizontal bars and a donut. Sized by a viewBox, so they scale with the panel.
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
export const COLORS = ['#2f6fdf', '#1f9d55', '#d48806', '#8e44ad', '#d64545', '#16a2b8', '#7f8c8d', '#c0398f'];

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const legend = items => h('div', { class: 'legend' }, items.map(i => h('span', {}, h('i', { style: { background: i.color } }), i.label)));

// "Nice" tick step for a range, so the axis reads 0, 25, 50 rather than 0, 23.7, 47.4.
function step(range, count) {
  const raw = range / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
}

// series: [{ label, color?, points: [{ t: Date|ms, v: number|null }] }] (null breaks the line). yMax fixes the top (1 for
// ratios); format labels the y axis.
// minStep: the smallest tick step (1 for counts, so an all-zero series does not read 0, 0, 1, 1).
export function lineChart(series, { height = 180, yMax, yMin = 0, format = v => String(v), id, minStep = 0 } = {}) {
  const width = 640;
  const pad = { l: 52, r: 12, t: 10, b: 22 };
  const all = series.flatMap(x => x.points);
  const values = all.map(p => p.v).filter(v => v !== null && v !== undefined && Number.isFinite(v));
  const times = all.map(p => +p.t);
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'data-points': Math.max(0, ...series.map(x => x.points.filter(p => p.v !== null).length)) });
  if (id) svg.setAttribute('id', id);
  if (values.length === 0) {
    svg.append(s('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' }, 'no samples yet'));
    return h('div', {}, svg);
  }
  let top = yMax ?? Math.max(...values);
  if (top <= yMin) top = yMin + 1;
  const tick = Math.max(minStep, step(top - yMin, 4));
  if (yMax === undefined) top = Math.ceil(top / tick) * tick;
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1000);
  const x = t => pad.l + ((+t - t0) / (t1 - t0)) * (width - pad.l - pad.r);
  const y = v => height - pad.b - ((v - yMin) / (top - yMin)) * (height - pad.t - pad.b);
  const grid = s('g', { class: 'grid' });
  for (let v = yMin; v <= top + tick / 1000; v += tick) {
    grid.append(s('line', { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v) }));
    grid.append(s('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
  }
  svg.append(grid, s('line', { class: 'axis', x1: pad.l, x2: width - pad.r, y1: height - pad.b, y2: height - pad.b }));
  const label = t => new Date(t).toLocaleTimeString('en-GB', { hour12: false });
  svg.append(s('text', { x: pad.l, y: height - 6 }, label(t0)), s('text', { x: width - pad.r, y: height - 6, 'text-anchor': 'end' }, label(t1)));
  series.forEach((line, i) => {
    const color = line.color ?? COLORS[i % COLORS.length];
    let d = '';
    let pen = false;
    for (const p of line.points) {
      if (p.v === null || p.v === undefined || !Number.isFinite(p.v)) { pen = false; continue; }
      d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
      pen = true;
    }
    svg.append(s('path', { d, fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
    for (const p of line.points.filter(q => q.v !== null && Number.isFinite(q.v))) {
      svg.append(s('circle', { cx: x(p.t), cy: y(p.v), r: 2.2, fill: color }, s('title', {}, `${line.label} ${label(p.t)}: ${format(p.v)}`)));
    }
  });
  return h('div', {}, svg, legend(series.map((line, i) => ({ label: line.label, color: line.color ?? COLORS[i % COLORS.length] }))));
}

// bars: [{ label, value, color?, text? }]; the longest bar fills the width. width is the viewBox's: a chart across the
// whole page wants about 1300, so that its text keeps the size of a half-page chart's.
export function barChart(bars, { format = v => String(v), max, id, width = 640 } = {}) {
  const row = 24;
  const labelWidth = width > 900 ? 420 : 170;
  const height = bars.length * row + 6;
  const top = max ?? Math.max(1e-9, ...bars.map(b => b.value ?? 0));
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img' });
  if (id) svg.setAttribute('id', id);
  bars.forEach((b, i) => {
    const w = ((b.value ?? 0) / top) * (width - labelWidth - 110);
    const yy = i * row + 4;
    svg.append(
      s('text', { x: labelWidth - 8, y: yy + 14, 'text-anchor': 'end' }, b.label.length > labelWidth / 6.5 ? b.label.slice(0, labelWidth / 6.5 - 1) + '\u2026' : b.label),
      s('rect', { x: labelWidth, y: yy + 2, width: Math.max(1, w), height: row - 8, rx: 3, fill: b.color ?? COLORS[i % COLORS.length] }, s('title', {}, b.label)),
      s('text', { x: labelWidth + w + 6, y: yy + 14 }, b.text ?? format(b.value)));
  });
  return svg;
}

// slices: [{ label, value, color? }]; the centre shows title.
export function donut(slices, { title = '', size = 200 } = {}) {
  // Inside the viewBox with the 26-unit stroke: half of it lies outside the radius.
  const r = size / 2 - 14;
  const c = size / 2;
  const total = slices.reduce((sum, x) => sum + (x.value ?? 0), 0) || 1;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${size} ${size}`, role: 'img', style: null });
  svg.style.maxWidth = `${size}px`;
  let angle = -Math.PI / 2;
  slices.forEach((slice, i) => {
    const a = ((slice.value ?? 0) / total) * Math.PI * 2;
    const color = slice.color ?? COLORS[i % COLORS.length];
    const title = s('title', {}, `${slice.label}: ${(((slice.value ?? 0) / total) * 100).toFixed(1)}%`);
    if (a >= Math.PI * 2 - 1e-6) {
      svg.append(s('circle', { cx: c, cy: c, r, fill: 'none', stroke: color, 'stroke-width': 26 }, title));
    } else if (a > 0) {
      const [x0, y0] = [c + r * Math.cos(angle), c + r * Math.sin(angle)];
      const [x1, y1] = [c + r * Math.cos(angle + a), c + r * Math.sin(angle + a)];
      svg.append(s('path', { d: `M${x0},${y0} A${r},${r} 0 ${a > Math.PI ? 1 : 0} 1 ${x1},${y1}`, fill: 'none', stroke: color, 'stroke-width': 26 }, title));
    }
    angle += a;
  });
  svg.append(s('text', { x: c, y: c + 5, 'text-anchor': 'middle', 'font-size': 15 }, title));
  return h('div', {}, svg, legend(slices.map((x, i) => ({ label: `${x.label} ${(((x.value ?? 0) / total) * 100).toFixed(1)}%`, color: x.color ?? COLORS[i % COLORS.length] }))));
}
