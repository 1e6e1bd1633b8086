// Database performance per node: transactions per second, cache hit ratios, connections, locks, replication, bloat
// and long-running queries. The series over time are the server's own samples (/admin/db/performance?history=15m,
// taken every DataTier:Diagnostics:SampleIntervalMs); this page re-reads them every 10 s while it is open (each read
// also queries every node for its findings, so it is not polled faster).
import { badge, bar, card, empty, fmt, h, mount, panel, table } from '../dom.js';
import { lineChart } from '../charts.js';
import { get } from '../api.js';

const HISTORY = '15m';

function draw(root, view) {
  const nodes = view.shards.flatMap(s => s.nodes.map(n => ({ ...n, shard: s.id })));
  const series = pick => nodes.map(n => ({ label: n.id, points: (n.history ?? []).map(r => ({ t: Date.parse(r.at), v: pick(r) })) }));
  const sum = pick => nodes.reduce((total, n) => total + (n.rates ? pick(n.rates) ?? 0 : 0), 0);
  const primaries = nodes.filter(n => n.role === 'primary');
  const replicas = nodes.filter(n => n.role === 'replica');
  // Findings on the primary are the shard's tables; replicas repeat them (their statistics are the primary's or empty).
  const findings = (key, n) => (n.findings?.[key] ?? []).map(f => ({ ...f, node: n.id }));
  const bloat = primaries.flatMap(n => findings('bloat', n));
  const long = nodes.flatMap(n => findings('longRunning', n));
  const seq = primaries.flatMap(n => findings('seqScannedTables', n));
  const unused = primaries.flatMap(n => findings('unusedIndexes', n));
  const dt = view.dataTier;
  mount(root, 
    h('h2', { text: 'DB performance' }),
    h('p', { class: 'sub', text: `Read at ${fmt.time(view.at)}; series are the server's samples over the last ${HISTORY}.` }),
    h('div', { class: 'cards' },
      card('Commits/s', fmt.num(sum(r => r.commitsPerSecond), 1), 'all nodes'),
      card('Rollbacks/s', fmt.num(sum(r => r.rollbacksPerSecond), 1)),
      card('Connections', fmt.int(sum(r => r.connections)), `of ${fmt.int(sum(r => r.maxConnections))} allowed`),
      card('Lock waits', fmt.int(sum(r => r.lockWaits)), `${fmt.int(sum(r => r.deadlocks))} deadlocks`),
      card('DataTier statements', fmt.int(dt.statements), `${fmt.int(dt.digestFingerprints)} shapes`),
      card('DataTier cache hits', fmt.pct(dt.cacheHitRate), `L1 ${fmt.pct(dt.l1HitRate)}, L2 ${fmt.pct(dt.l2HitRate)}`)),
    h('div', { class: 'grid' },
      panel('Transactions per second', lineChart(series(r => r.commitsPerSecond + r.rollbacksPerSecond), { format: v => fmt.num(v, v < 10 ? 1 : 0), id: 'tps-chart' })),
      panel('Connections', lineChart(series(r => r.connections), { format: v => fmt.int(v), id: 'connections-chart', minStep: 1 })),
      panel('Buffer cache hit ratio', lineChart(series(r => r.bufferHitRatio), { yMin: 0, yMax: 1, format: v => `${Math.round(v * 100)}%` })),
      panel('Lock waits', lineChart(series(r => r.lockWaits), { format: v => fmt.int(v), minStep: 1 }))),
    panel('Nodes', table([
      { label: 'Node', value: n => h('strong', { text: n.id }), sort: n => n.id },
      { label: 'Role', value: n => badge(n.role, n.role === 'primary' ? 'primary' : null), sort: n => n.role },
      { label: 'Health', value: n => (n.reachable ? badge('up', 'good') : badge('down', 'bad')) },
      { label: 'Commits/s', num: true, value: n => fmt.num(n.rates?.commitsPerSecond, 2), sort: n => n.rates?.commitsPerSecond },
      { label: 'Buffer hits', num: true, value: n => fmt.pct(n.rates?.bufferHitRatio, 2), sort: n => n.rates?.bufferHitRatio },
      { label: 'Index hits', num: true, value: n => fmt.pct(n.rates?.indexHitRatio, 2), sort: n => n.rates?.indexHitRatio },
      { label: 'Connections', num: true, value: n => (n.rates ? `${fmt.int(n.rates.connections)} / ${fmt.int(n.rates.maxConnections)}` : ''), sort: n => n.rates?.connections },
      { label: '', value: n => (n.rates ? bar(n.rates.connections / n.rates.maxConnections) : '') },
      { label: 'Pool in use', num: true, value: n => `${fmt.int(n.poolInUse)} / ${fmt.int(n.poolMax)}`, sort: n => n.poolInUse },
      { label: 'Lock waits', num: true, value: n => fmt.int(n.rates?.lockWaits), sort: n => n.rates?.lockWaits },
      { label: 'Deadlocks', num: true, value: n => fmt.int(n.rates?.deadlocks), sort: n => n.rates?.deadlocks },
      { label: 'Size', num: true, value: n => fmt.bytes(n.rates?.databaseBytes), sort: n => n.rates?.databaseBytes },
      { label: 'Error', value: n => n.error ?? '' },
    ], nodes, { id: 'perf-nodes' })),
    panel('Replication', replicas.length ? table([
      { label: 'Replica', value: n => n.id },
      { label: 'Shard', value: n => n.shard },
      { label: 'Lag', num: true, value: n => fmt.seconds(n.lagSeconds) },
      { label: 'Lag bytes', num: true, value: n => fmt.bytes(n.lagBytes) },
      { label: 'Health', value: n => (n.reachable ? badge('streaming', 'good') : badge('down', 'bad')) },
    ], replicas, { id: 'replication' }) : empty('No replicas.')),
    h('div', { class: 'grid' },
      panel('Bloat (dead rows)', bloat.length ? table([
        { label: 'Node', value: b => b.node }, { label: 'Table', value: b => b.table, sort: b => b.table },
        { label: 'Dead rows', num: true, value: b => fmt.int(b.deadRows), sort: b => b.deadRows },
        { label: 'Live rows', num: true, value: b => fmt.int(b.liveRows), sort: b => b.liveRows },
        { label: 'Dead', num: true, value: b => fmt.pct(b.deadRatio), sort: b => b.deadRatio },
      ], bloat, { sortBy: { col: 4 } }) : empty('No table with a notable share of dead rows.')),
      panel('Long-running and waiting', long.length ? table([
        { label: 'Node', value: q => q.node }, { label: 'PID', num: true, value: q => String(q.pid) },
        { label: 'State', value: q => q.state }, { label: 'Wait', value: q => q.waitEventType ?? '' },
        { label: 'Query', num: true, value: q => fmt.seconds(q.querySeconds), sort: q => q.querySeconds },
        { label: 'Transaction', num: true, value: q => fmt.seconds(q.transactionSeconds), sort: q => q.transactionSeconds },
        { label: 'SQL', value: q => h('div', { class: 'sql', text: q.query }), title: q => q.query },
      ], long) : empty('Nothing running long or waiting on a lock.'))),
    h('div', { class: 'grid' },
      panel('Tables read by sequential scans', seq.length ? table([
        { label: 'Node', value: t => t.node }, { label: 'Table', value: t => t.table, sort: t => t.table },
        { label: 'Seq scans', num: true, value: t => fmt.int(t.seqScans), sort: t => t.seqScans },
        { label: 'Rows read', num: true, value: t => fmt.int(t.seqRowsRead), sort: t => t.seqRowsRead },
        { label: 'Index scans', num: true, value: t => fmt.int(t.indexScans), sort: t => t.indexScans },
        { label: 'Live rows', num: true, value: t => fmt.int(t.liveRows), sort: t => t.liveRows },
      ], seq, { sortBy: { col: 3 } }) : empty('No large table is read by sequential scans.')),
      panel('Unused indexes', unused.length ? table([
        { label: 'Node', value: i => i.node }, { label: 'Index', value: i => i.index, sort: i => i.index },
        { label: 'Table', value: i => i.table, sort: i => i.table },
        { label: 'Scans', num: true, value: i => fmt.int(i.scans) },
        { label: 'Size', num: true, value: i => fmt.bytes(i.bytes), sort: i => i.bytes },
      ], unused, { sortBy: { col: 4 } }) : empty('Every index has been scanned.'))));
}

export async function render(root, { pollMs, fail }) {
  draw(root, await get(`db/performance?history=${HISTORY}`));
  let stopped = false;
  const timer = setInterval(async () => {
    try {
      const next = await get(`db/performance?history=${HISTORY}`);
      if (!stopped) draw(root, next);
    } catch (e) {
      clearInterval(timer);
      if (!stopped) fail(e, root);
    }
  }, Math.max(pollMs, 10_000));
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
