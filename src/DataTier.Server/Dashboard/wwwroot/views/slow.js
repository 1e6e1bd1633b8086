// Slow queries: DataTier's own digest (what the application waited for, cache hits included) beside
// pg_stat_statements of every shard node; sortable, and a statement's plan on a click.
import { ApiError, get } from '../api.js';
import { badge, card, empty, fmt, h, panel, table, mount } from '../dom.js';
import { barChart } from '../charts.js';

const state = { sort: 'total', minCalls: 0, columns: {} };

// EXPLAIN (FORMAT JSON) gives [{ Plan: {...} }]; each node is drawn with its children indented under it.
function planTree(node, depth = 0) {
  const type = node['Node Type'] ?? '?';
  const on = node['Relation Name'] ? ` on ${node['Relation Name']}` : node['Index Name'] ? ` using ${node['Index Name']}` : '';
  const detail = [
    node['Index Name'] && node['Relation Name'] ? `index ${node['Index Name']}` : null,
    node['Filter'] ? `filter ${node['Filter']}` : null,
    node['Index Cond'] ? `cond ${node['Index Cond']}` : null,
    node['Hash Cond'] ? `hash ${node['Hash Cond']}` : null,
    node['Sort Key'] ? `sort ${node['Sort Key'].join(', ')}` : null,
  ].filter(Boolean).join('; ');
  const row = h('div', { class: 'node', style: { paddingLeft: `${depth * 18}px` } },
    depth ? '\u2192 ' : '',
    h('span', { class: type === 'Seq Scan' ? 'op scan-seq' : 'op', text: type + on }),
    h('span', { class: 'meta', text: ` (cost ${node['Startup Cost']}..${node['Total Cost']}, rows ${fmt.int(node['Plan Rows'])}, width ${node['Plan Width']})` }),
    detail ? h('div', { class: 'meta', style: { paddingLeft: '14px' }, text: detail }) : null);
  return [row, ...(node.Plans ?? []).flatMap(child => planTree(child, depth + 1))];
}

async function showPlan(target, entry) {
  mount(target, h('p', { class: 'loading', text: 'Planning\u2026' }));
  const parts = [
    h('pre', { text: entry.fingerprint }),
    h('dl', { class: 'kv' },
      h('dt', { text: 'Fingerprint id' }), h('dd', { class: 'mono', text: entry.fingerprintId }),
      entry.dataTier ? [h('dt', { text: 'DataTier' }), h('dd', { text: `${fmt.int(entry.dataTier.calls)} calls, ${fmt.int(entry.dataTier.errors)} errors, ${fmt.int(entry.dataTier.rows)} rows, p50 ${fmt.ms(entry.dataTier.p50Ms)}, p95 ${fmt.ms(entry.dataTier.p95Ms)}, p99 ${fmt.ms(entry.dataTier.p99Ms)}, max ${fmt.ms(entry.dataTier.maxMs)}; served by ${entry.dataTier.roles.join(', ')} via ${entry.dataTier.frontEnds.join(', ')}` })] : null,
      entry.postgres ? [h('dt', { text: 'PostgreSQL' }), h('dd', { text: `${fmt.int(entry.postgres.calls)} calls, mean ${fmt.ms(entry.postgres.meanMs)} \u00b1 ${fmt.ms(entry.postgres.stddevMs)}, ${fmt.int(entry.postgres.sharedBlocksHit)} blocks hit, ${fmt.int(entry.postgres.sharedBlocksRead)} read, ${fmt.int(entry.postgres.tempBlocks)} temp; per shard: ${entry.postgres.shards.map(s => `${s.shard} ${fmt.int(s.calls)} \u00d7 ${fmt.ms(s.meanMs)}`).join(', ')}` })] : null),
  ];
  if (!entry.dataTier) {
    mount(target, ...parts, empty('DataTier has not run this statement itself (it is in pg_stat_statements only), so it has no sample to plan.'));
    return;
  }
  try {
    const answer = await get(`db/slow-queries/${entry.fingerprintId}/plan`);
    const root = Array.isArray(answer.plan) ? answer.plan[0]?.Plan : answer.plan?.Plan ?? answer.plan;
    mount(target, ...parts,
      h('h3', { text: `Plan on ${answer.shard} (${answer.node}${answer.generic ? ', generic plan' : ''})` }),
      h('div', { class: 'plan', id: 'plan' }, planTree(root)),
      h('details', {}, h('summary', { text: 'Plan as JSON' }), h('pre', { text: JSON.stringify(answer.plan, null, 2) })));
  } catch (e) {
    if (!(e instanceof ApiError) || e.status === 401 || e.status === 403) throw e;
    mount(target, ...parts, h('p', { class: 'error', text: `No plan: ${e.describe()}` }));
  }
}

export async function render(root, context) {
  const view = await get(`db/slow-queries?sort=${state.sort}&limit=50&minCalls=${state.minCalls}`);
  const entries = view.statements;
  const detail = h('div', { id: 'detail' }, empty('Click a statement for its figures and its plan.'));
  const sortSelect = h('select', { id: 'sort', onchange: e => { state.sort = e.target.value; render(root, context).catch(err => context.fail(err, root)); } },
    ['total', 'mean', 'p99', 'calls'].map(v => h('option', { value: v, text: v, selected: v === state.sort })));
  const minCalls = h('input', { type: 'number', min: 0, value: state.minCalls, style: { width: '80px' },
    onchange: e => { state.minCalls = Math.max(0, Number(e.target.value) || 0); render(root, context).catch(err => context.fail(err, root)); } });
  const total = e => e.dataTier?.totalMs ?? e.postgres?.totalMs ?? 0;
  const selectRow = (entry, tr) => {
    for (const row of tr.parentElement.children) row.classList.remove('selected');
    tr.classList.add('selected');
    showPlan(detail, entry).catch(err => context.fail(err, root));
  };
  mount(root, 
    h('h2', { text: 'Slow queries' }),
    h('p', { class: 'sub', text: `Statements slower than ${fmt.ms(view.slowThresholdMs)} on average are flagged; DataTier's digest holds ${fmt.int(view.digestFingerprints)} statement shapes (${fmt.int(view.digestEvicted)} evicted).` }),
    h('div', { class: 'cards' },
      card('Statements listed', fmt.int(entries.length)),
      card('Slow', fmt.int(entries.filter(e => e.slow).length), `over ${fmt.ms(view.slowThresholdMs)}`),
      card('DataTier calls', fmt.int(entries.reduce((n, e) => n + (e.dataTier?.calls ?? 0), 0))),
      card('PostgreSQL time', fmt.ms(entries.reduce((n, e) => n + (e.postgres?.totalMs ?? 0), 0)))),
    panel('Total time, top 10', entries.length
      ? barChart(entries.slice().sort((a, b) => total(b) - total(a)).slice(0, 10).map(e => ({ label: e.fingerprint, value: total(e) })), { format: fmt.ms, width: 1300 })
      : empty('No statements yet.')),
    panel(null,
      h('div', { class: 'toolbar' }, h('label', { text: 'Server sort' }), sortSelect, h('label', { text: 'Min calls' }), minCalls,
        h('span', { class: 'sub', style: { margin: 0 }, text: 'Click a column to sort the rows shown.' })),
      entries.length ? table([
        { label: 'Statement', value: e => h('div', { class: 'sql', text: e.fingerprint }), title: e => e.fingerprint, sort: e => e.fingerprint },
        { label: '', value: e => (e.slow ? badge('slow', 'bad') : '') , sort: e => e.slow },
        { label: 'Calls', num: true, value: e => fmt.int(e.dataTier?.calls), sort: e => e.dataTier?.calls },
        { label: 'Mean', num: true, value: e => fmt.ms(e.dataTier?.meanMs), sort: e => e.dataTier?.meanMs },
        { label: 'p99', num: true, value: e => fmt.ms(e.dataTier?.p99Ms), sort: e => e.dataTier?.p99Ms },
        { label: 'Total', num: true, value: e => fmt.ms(e.dataTier?.totalMs), sort: e => e.dataTier?.totalMs },
        { label: 'Cache hits', num: true, value: e => fmt.int(e.dataTier?.cacheHits), sort: e => e.dataTier?.cacheHits },
        { label: 'PG calls', num: true, value: e => fmt.int(e.postgres?.calls), sort: e => e.postgres?.calls },
        { label: 'PG mean', num: true, value: e => fmt.ms(e.postgres?.meanMs), sort: e => e.postgres?.meanMs },
        { label: 'PG total', num: true, value: e => fmt.ms(e.postgres?.totalMs), sort: e => e.postgres?.totalMs },
        { label: 'Blocks read', num: true, value: e => fmt.int(e.postgres?.sharedBlocksRead), sort: e => e.postgres?.sharedBlocksRead },
        { label: 'Shards', value: e => (e.dataTier?.shards ?? e.postgres?.shards.map(s => s.shard) ?? []).join(', ') },
      ], entries, { onRow: selectRow, id: 'slow-queries', state: state.columns }) : empty('No statements match.')),
    panel('Statement', detail));
}
