// Index advice: the advisor's latest report, each recommendation with its evidence (the statements it speeds up,
// planner cost before and after with HypoPG) and, on a validated run, what the canary shard measured.
import { ApiError, get, post } from '../api.js';
import { badge, bar, card, empty, fmt, h, panel, table, mount } from '../dom.js';
import { barChart } from '../charts.js';

function measured(m) {
  if (!m) return h('p', { class: 'sub', style: { margin: '6px 0' }, text: 'Not validated on a canary shard (run the advisor with validation to measure it).' });
  return h('div', {},
    h('h3', { text: `Measured on canary shard ${m.shard}` }),
    h('dl', { class: 'kv' },
      h('dt', { text: 'Verdict' }), h('dd', {}, m.kept ? badge('kept', 'good') : badge('rejected', 'bad'), ` ${m.reason}`),
      h('dt', { text: 'Speed-up' }), h('dd', { text: m.speedUp === null ? '\u2013' : `${fmt.num(m.speedUp, 2)}\u00d7 (needs ${fmt.num(m.minSpeedUp, 1)}\u00d7)` }),
      h('dt', { text: 'Index size' }), h('dd', { text: fmt.bytes(m.indexBytes) }),
      h('dt', { text: 'Build time' }), h('dd', { text: fmt.ms(m.buildMs) })),
    table([
      { label: 'Statement', value: s => h('div', { class: 'sql', text: s.fingerprint }), title: s => s.fingerprint },
      { label: 'Runs', num: true, value: s => String(s.runs) },
      { label: 'Median before', num: true, value: s => fmt.ms(s.beforeMedianMs) },
      { label: 'Median after', num: true, value: s => fmt.ms(s.afterMedianMs) },
      { label: 'Speed-up', num: true, value: s => (s.speedUp === null || s.speedUp === undefined ? s.note ?? '' : `${fmt.num(s.speedUp, 2)}\u00d7`) },
    ], m.statements));
}

function recommendation(r, rejected) {
  return h('section', { class: rejected ? 'panel rec rejected' : 'panel rec', 'data-index': r.indexName },
    h('h3', {}, r.indexName, ' ', h('span', { class: 'sub', text: `on ${r.table} (${r.columns.join(', ')})` })),
    h('pre', { text: r.createSql }),
    h('dl', { class: 'kv' },
      h('dt', { text: 'Benefit' }), h('dd', { text: `${fmt.num(r.benefit, 1)} (planner cost saved \u00d7 calls), write penalty ${fmt.num(r.writePenalty, 1)}` }),
      h('dt', { text: 'Estimated size' }), h('dd', { text: fmt.bytes(r.estimatedBytes) }),
      h('dt', { text: 'Shards' }), h('dd', { text: r.shards.join(', ') }),
      h('dt', { text: 'Undo' }), h('dd', { class: 'mono', text: r.dropSql })),
    h('h3', { text: 'Evidence' }),
    table([
      { label: 'Shard', value: s => s.shard, sort: s => s.shard },
      { label: 'Statement', value: s => h('div', { class: 'sql', text: s.fingerprint }), title: s => s.sql },
      { label: 'PG calls', num: true, value: s => fmt.int(s.calls), sort: s => s.calls },
      { label: 'Exec time', num: true, value: s => fmt.ms(s.totalExecMs), sort: s => s.totalExecMs },
      { label: 'DataTier calls', num: true, value: s => fmt.int(s.dataTierCalls), sort: s => s.dataTierCalls },
      { label: 'Cost before', num: true, value: s => fmt.num(s.costBefore, 2), sort: s => s.costBefore },
      { label: 'Cost after', num: true, value: s => fmt.num(s.costAfter, 2), sort: s => s.costAfter },
      { label: 'Cost removed', num: true, value: s => fmt.pct(s.costReduction), sort: s => s.costReduction },
      { label: '', value: s => bar(s.costReduction, 'var(--good)') },
    ], r.statements),
    measured(r.measured));
}

const findingColumns = [
  { label: 'Index', value: f => h('strong', { text: f.indexName }), sort: f => f.indexName },
  { label: 'Table', value: f => f.table, sort: f => f.table },
  { label: 'Scans', num: true, value: f => fmt.int(f.scans), sort: f => f.scans },
  { label: 'Size', num: true, value: f => fmt.bytes(f.bytes), sort: f => f.bytes },
  { label: 'Covered by', value: f => f.coveredBy ?? '' },
  { label: 'Shards', value: f => f.shards.join(', ') },
  { label: 'Definition', value: f => h('div', { class: 'sql', text: f.definition }), title: f => f.definition },
];

const findings = (title, list, none) => panel(title, list?.length ? table(findingColumns, list) : empty(none));

export async function render(root, context) {
  let report = null;
  let missing = null;
  try {
    report = await get('db/index-advice');
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
    missing = e.describe();
  }
  const validate = h('input', { type: 'checkbox', id: 'validate' });
  const run = h('button', { type: 'button', id: 'run-advisor', onclick: async () => {
    run.disabled = true;
    run.textContent = 'Running\u2026';
    try {
      await post(`db/optimize?validate=${validate.checked}`);
      await render(root, context);
    } catch (e) {
      context.fail(e, root);
    }
  } }, 'Run the advisor now');
  const toolbar = h('div', { class: 'toolbar' }, run, h('label', {}, validate, ' validate on a canary shard (builds each index there and measures)'));
  if (!report) {
    mount(root, h('h2', { text: 'Index advice' }), toolbar, panel(null, empty(missing)));
    return;
  }
  const recs = report.recommendations;
  mount(root, 
    h('h2', { text: 'Index advice' }),
    h('p', { class: 'sub', text: `Run ${report.runId}, ${fmt.dateTime(report.startedAt)} (took ${fmt.ms(Date.parse(report.finishedAt) - Date.parse(report.startedAt))}).` }),
    toolbar,
    h('div', { class: 'cards' },
      card('Run', String(report.runId)),
      card('Statements analysed', fmt.int(report.statementsAnalysed)),
      card('Indexes to build', fmt.int(recs.length)),
      card('Unused', fmt.int(report.unused.length), `${fmt.int(report.notEnoughHistory.length)} not watched long enough`),
      card('Duplicates', fmt.int(report.duplicates.length)),
      card('Invalid', fmt.int(report.invalid.length))),
    recs.length
      ? panel('Benefit per recommended index', barChart(recs.map(r => ({ label: r.indexName, value: r.benefit })), { format: v => fmt.num(v, 0), width: 1300 }))
      : panel('Recommendations', empty('No index to build: no statement the advisor saw would get cheaper enough.')),
    recs.map(r => recommendation(r, false)),
    (report.rejected ?? []).length ? [h('h3', { text: 'Rejected by the canary measurement' }), report.rejected.map(r => recommendation(r, true))] : null,
    findings('Unused indexes', report.unused, 'No unused index.'),
    findings('Duplicate indexes', report.duplicates, 'No duplicate index.'),
    findings('Invalid indexes', report.invalid, 'No invalid index.'),
    findings('Not watched long enough to call unused', report.notEnoughHistory, 'None.'),
    panel('Notes', report.notes.length ? h('ul', {}, report.notes.map(n => h('li', { text: n }))) : empty('No notes.')));
}
