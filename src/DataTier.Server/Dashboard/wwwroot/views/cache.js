// The cache: hit rate per layer over time, top statements and tables, invalidations. The server keeps counters since
// it started, not a history, so this page polls /admin/cache/stats and keeps the samples itself (in memory, for as long
// as the tab is open; the last 300). A rate over time is the change between two samples.
import { get } from '../api.js';
import { badge, card, empty, fmt, h, panel, table, bar, mount } from '../dom.js';
import { lineChart } from '../charts.js';

const MAX_SAMPLES = 300;
const samples = [];
const sorts = { statements: {}, tables: {} };

async function sample() {
  const stats = await get('cache/stats');
  samples.push({ t: Date.now(), stats });
  if (samples.length > MAX_SAMPLES) samples.shift();
  return stats;
}

// Hit rate of one layer between consecutive samples (null where nothing was looked up in between).
function intervalRate(pick) {
  const points = [];
  for (let i = 1; i < samples.length; i++) {
    const a = pick(samples[i - 1].stats);
    const b = pick(samples[i].stats);
    const hits = b.hits - a.hits;
    const misses = b.misses - a.misses;
    points.push({ t: samples[i].t, v: hits + misses > 0 ? hits / (hits + misses) : null });
  }
  return points;
}

function perSecond(pick) {
  const points = [];
  for (let i = 1; i < samples.length; i++) {
    const seconds = (samples[i].t - samples[i - 1].t) / 1000;
    points.push({ t: samples[i].t, v: seconds > 0 ? Math.max(0, pick(samples[i].stats) - pick(samples[i - 1].stats)) / seconds : null });
  }
  return points;
}

const overall = s => ({ hits: s.l1.hits + s.l2.hits, misses: s.l2.misses });
const lookups = s => s.l1.hits + s.l1.misses;

function draw(root, stats, pollMs) {
  const statements = Object.entries(stats.statements ?? {}).map(([sql, v]) => ({ sql, ...v, lookups: v.hits + v.misses }));
  const tables = Object.entries(stats.tables ?? {}).map(([name, v]) => ({ name, ...v, lookups: v.hits + v.misses }));
  statements.sort((a, b) => b.lookups - a.lookups);
  tables.sort((a, b) => b.lookups - a.lookups);
  const statementColumns = [
    { label: 'Statement', value: r => h('div', { class: 'sql', text: r.sql }), title: r => r.sql, sort: r => r.sql },
    { label: 'Lookups', num: true, value: r => fmt.int(r.lookups), sort: r => r.lookups },
    { label: 'Hits', num: true, value: r => fmt.int(r.hits), sort: r => r.hits },
    { label: 'Misses', num: true, value: r => fmt.int(r.misses), sort: r => r.misses },
    { label: 'Hit rate', num: true, value: r => fmt.pct(r.hitRate), sort: r => r.hitRate },
    { label: '', value: r => bar(r.hitRate, 'var(--good)') },
    { label: 'Invalidations', num: true, value: r => fmt.int(r.invalidations), sort: r => r.invalidations },
  ];
  mount(root, 
    h('h2', { text: 'Cache' }),
    h('p', { class: 'sub', text: `Sampled by this page every ${pollMs / 1000} s since it opened (${samples.length} samples); counters are since the server started.` }),
    h('div', { class: 'cards' },
      card('Hit rate', fmt.pct(stats.hitRate), 'L1 or L2'),
      card('L1 hit rate', fmt.pct(stats.l1.hitRate), `${fmt.int(stats.l1.hits)} hits / ${fmt.int(stats.l1.misses)} misses`),
      card('L2 hit rate', fmt.pct(stats.l2.hitRate), `${fmt.int(stats.l2.hits)} hits / ${fmt.int(stats.l2.misses)} misses`),
      card('L1 entries', fmt.int(stats.entries), fmt.bytes(stats.bytes)),
      card('Fills', fmt.int(stats.fills), `${fmt.int(stats.refreshes)} refreshes, ${fmt.int(stats.bypasses)} bypasses`),
      card('Invalidations', fmt.int(stats.invalidations), `${fmt.int(stats.evictions)} evictions`),
      h('div', { class: 'card' }, h('div', { class: 'label', text: 'Redis (L2)' }),
        h('div', { class: 'value' }, stats.redisAvailable ? badge('available', 'good') : badge('unavailable', 'bad')),
        h('div', { class: 'note', text: `${fmt.int(stats.redisErrors)} errors` }))),
    h('div', { class: 'grid' },
      panel('Hit rate per layer, per interval', lineChart([
        { label: 'L1', points: intervalRate(s => s.l1) },
        { label: 'L2 (of L1 misses)', points: intervalRate(s => s.l2) },
        { label: 'Overall', points: intervalRate(overall) },
      ], { yMax: 1, format: v => `${Math.round(v * 100)}%`, id: 'hit-rate-chart' })),
      panel('Lookups and invalidations per second', lineChart([
        { label: 'Lookups/s', points: perSecond(lookups) },
        { label: 'Fills/s', points: perSecond(s => s.fills) },
        { label: 'Invalidations/s', points: perSecond(s => s.invalidations) },
      ], { format: v => fmt.num(v, v < 10 ? 1 : 0), id: 'lookup-chart' }))),
    panel('Top statements', statements.length
      ? table(statementColumns, statements.slice(0, 25), { id: 'cache-statements', sortBy: { col: 1 }, state: sorts.statements })
      : empty('No cached statement has been looked up yet.')),
    panel('Tables', tables.length ? table([
      { label: 'Table', value: r => h('strong', { text: r.name }), sort: r => r.name },
      ...statementColumns.slice(1),
    ], tables, { id: 'cache-tables', sortBy: { col: 1 }, state: sorts.tables }) : empty('No table has cached answers yet.')));
}

export async function render(root, { pollMs, fail }) {
  draw(root, await sample(), pollMs);
  let stopped = false;
  const timer = setInterval(async () => {
    try {
      const next = await sample();
      if (!stopped) draw(root, next, pollMs);
    } catch (e) {
      clearInterval(timer);
      if (!stopped) fail(e, root);
    }
  }, pollMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
