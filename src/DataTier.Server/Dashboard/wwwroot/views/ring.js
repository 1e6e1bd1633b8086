// The ring and its shards: weights (now and desired), rows per shard, and every node with its role, lag and health.
import { ApiError, get } from '../api.js';
import { badge, card, empty, fmt, h, panel, table, mount } from '../dom.js';
import { barChart, COLORS, donut } from '../charts.js';

export async function render(root) {
  const topology = await get('topology');
  // Rows are counted on the shards (the rebalance planner's count); a shard that cannot be counted leaves the rest.
  let plan = null;
  let planError = null;
  try {
    plan = await get('rebalance/plan');
  } catch (e) {
    if (!(e instanceof ApiError) || e.status < 500) throw e;
    planError = e.describe();
  }
  const rows = new Map((plan?.shards ?? []).map(s => [s.id, s]));
  const totalRows = plan?.totalRows ?? null;
  const totalWeight = topology.shards.reduce((sum, s) => sum + s.weight, 0);
  const nodes = topology.shards.flatMap(s => [s.primary, ...s.replicas, ...(s.replaced ?? []).map(r => ({ ...r, role: 'replaced' }))]);
  const down = nodes.filter(n => !n.reachable).length;
  const color = new Map(topology.shards.map((s, i) => [s.id, COLORS[i % COLORS.length]]));

  mount(root, 
    h('h2', { text: 'Ring & shards' }),
    h('p', { class: 'sub', text: `Topology version ${topology.version}; rows counted on the shards at ${fmt.time(Date.now())}.` }),
    h('div', { class: 'cards' },
      card('Topology version', String(topology.version)),
      card('Shards', String(topology.shards.length), topology.pending.length ? `${topology.pending.length} pending` : null),
      card('Virtual nodes', fmt.int(topology.virtualNodes), `${fmt.int(topology.virtualNodesPerWeight)} per unit of weight`),
      card('Rows', fmt.int(totalRows), plan ? `${plan.tables.length} sharded tables` : 'not counted'),
      card('Nodes', String(nodes.length), down ? `${down} unreachable` : 'all reachable')),
    h('div', { class: 'grid' },
      panel('Ring share by weight', donut(topology.shards.map(s => ({ label: s.id, value: s.weight, color: color.get(s.id) })), { title: `v${topology.version}` })),
      panel('Rows per shard', plan
        ? barChart(topology.shards.map(s => ({ label: s.id, value: rows.get(s.id)?.rowsNow ?? 0, color: color.get(s.id) })), { format: fmt.int, id: 'rows-chart' })
        : h('p', { class: 'error', text: `Rows could not be counted: ${planError}` }))),
    panel('Shards', table([
      { label: 'Shard', value: s => h('strong', { text: s.id }), sort: s => s.id },
      { label: 'State', value: s => rows.get(s.id)?.state ?? '' },
      { label: 'Weight', num: true, value: s => fmt.num(s.weight, 2), sort: s => s.weight },
      { label: 'Ring share', num: true, value: s => fmt.pct(s.weight / totalWeight), sort: s => s.weight },
      { label: 'Desired weight', num: true, value: s => fmt.num(topology.desiredWeights[s.id] ?? s.weight, 2) },
      { label: 'Rows', num: true, value: s => h('span', { class: 'rows', 'data-shard': s.id, text: fmt.int(rows.get(s.id)?.rowsNow) }), sort: s => rows.get(s.id)?.rowsNow },
      { label: 'Row share', num: true, value: s => (totalRows ? fmt.pct((rows.get(s.id)?.rowsNow ?? 0) / totalRows) : '') },
      { label: 'Misplaced', num: true, value: s => fmt.int(rows.get(s.id)?.misplaced) },
      { label: 'Primary timeline', num: true, value: s => String(s.primaryTimeline) },
      { label: 'Replicas', num: true, value: s => String(s.replicas.length) },
    ], topology.shards, { id: 'shards' })),
    topology.pending.length
      ? panel('Pending shards (not yet on the ring)', table([{ label: 'Shard', value: p => p.id }, { label: 'Endpoint', value: p => p.endpoint }], topology.pending))
      : null,
    panel('Nodes', nodes.length ? table([
      { label: 'Node', value: n => h('strong', { text: n.id }), sort: n => n.id },
      { label: 'Shard', value: n => n.shard, sort: n => n.shard },
      { label: 'Role', value: n => badge(n.role, n.role === 'primary' ? 'primary' : null), sort: n => n.role },
      { label: 'Health', value: n => (n.reachable ? badge('up', 'good') : badge('down', 'bad')), sort: n => n.reachable },
      { label: 'Lag', num: true, value: n => (n.role === 'replica' && n.lagSeconds !== null ? fmt.seconds(n.lagSeconds) : ''), sort: n => n.lagSeconds },
      { label: 'Lag bytes', num: true, value: n => (n.role === 'replica' && n.lagBytes !== null ? fmt.bytes(n.lagBytes) : ''), sort: n => n.lagBytes },
      { label: 'Probe', num: true, value: n => fmt.ms(n.latencyMs), sort: n => n.latencyMs },
      { label: 'Timeline', num: true, value: n => (n.timeline ?? '') + '' },
      { label: 'Endpoint', value: n => h('span', { class: 'mono', text: n.endpoint }) },
      { label: 'Checked', value: n => fmt.time(n.checkedAt) },
      { label: 'Last error', value: n => n.lastError ?? '' },
    ], nodes, { id: 'nodes' }) : empty('No nodes.')));
}
