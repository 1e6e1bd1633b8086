// Rebalancing: what a move to the desired weights would carry (the planner's count), the check's proposals, and every
// move with its progress, rate and ETA (re-read while one is running).
import { ApiError, get, post } from '../api.js';
import { badge, bar, card, empty, fmt, h, panel, table, mount } from '../dom.js';
import { barChart, COLORS } from '../charts.js';

const stateKind = s => (s === 'done' || s === 'completed' ? 'good' : s === 'failed' || s === 'cancelled' ? 'bad' : s === 'running' ? 'warn' : null);

function move(m) {
  const fraction = m.rowsPlanned > 0 ? m.rowsCopied / m.rowsPlanned : m.state === 'running' ? 0 : 1;
  return h('section', { class: 'panel', 'data-move': m.id },
    h('h3', {}, `Move ${m.id} `, badge(m.state, stateKind(m.state)), ' ', h('span', { class: 'sub', text: `phase ${m.phase}, v${m.fromVersion} \u2192 ${m.toVersion === null ? '?' : 'v' + m.toVersion}` })),
    h('div', { class: 'toolbar' }, h('div', { style: { flex: '1' } }, bar(Math.min(1, fraction), null, true)),
      h('strong', { text: `${fmt.pct(Math.min(1, fraction))}` })),
    h('dl', { class: 'kv' },
      h('dt', { text: 'Rows' }), h('dd', { text: `${fmt.int(m.rowsCopied)} copied of ${fmt.int(m.rowsPlanned)} planned` }),
      h('dt', { text: 'Rate' }), h('dd', { text: m.rowsPerSecond === null ? '\u2013' : `${fmt.int(m.rowsPerSecond)} rows/s` }),
      h('dt', { text: 'ETA' }), h('dd', { text: m.state === 'running' ? fmt.seconds(m.etaSeconds) : '\u2013' }),
      h('dt', { text: 'Write pause' }), h('dd', { text: `longest ${fmt.ms(m.longestWritePauseMs)} (limit ${fmt.ms(m.maxWritePauseMs)}), ${m.fenceAttempts} fence attempts` }),
      h('dt', { text: 'Verified' }), h('dd', { text: m.verified === null ? '\u2013' : m.verified ? 'yes, checksums match' : 'no' }),
      h('dt', { text: 'Started' }), h('dd', { text: `${fmt.dateTime(m.createdAt)}${m.finishedAt ? `, finished ${fmt.dateTime(m.finishedAt)}` : ''}` }),
      h('dt', { text: 'Tables' }), h('dd', { text: m.tables.join(', ') }),
      m.error ? [h('dt', { text: 'Error' }), h('dd', { class: 'error', text: m.error })] : null),
    m.pairs.length ? table([
      { label: 'From', value: p => p.from }, { label: 'To', value: p => p.to },
      { label: 'State', value: p => badge(p.state, stateKind(p.state)) },
      { label: 'Ranges', num: true, value: p => fmt.int(p.ranges) },
      { label: 'Rows copied', num: true, value: p => `${fmt.int(p.rowsCopied)} / ${fmt.int(p.rowsPlanned)}` },
      { label: '', value: p => bar(p.rowsPlanned ? p.rowsCopied / p.rowsPlanned : 0) },
      { label: 'Changes applied', num: true, value: p => fmt.int(p.changesApplied) },
    ], m.pairs) : null,
    m.notes.length ? h('ul', {}, m.notes.map(n => h('li', { text: n }))) : null);
}

async function plan() {
  try {
    return { plan: await get('rebalance/plan') };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status < 500) throw e;
    return { error: e.describe() };
  }
}

async function draw(root, context) {
  const [{ plan: p, error }, proposals, { moves }] = await Promise.all([plan(), get('rebalance/proposals'), get('rebalance')]);
  // The list holds each move's last stored status; a running one is re-read for its live progress.
  const shown = await Promise.all(moves.map(m => (m.state === 'running' ? get(`rebalance/${m.id}`) : m)));
  const check = h('button', { type: 'button', class: 'secondary', id: 'run-check', onclick: async () => {
    check.disabled = true;
    try {
      await post('rebalance/check');
      await draw(root, context);
    } catch (e) {
      context.fail(e, root);
    }
  } }, 'Run the balance check now');
  const running = shown.filter(m => m.state === 'running');
  mount(root, 
    h('h2', { text: 'Rebalancing' }),
    h('p', { class: 'sub', text: 'A proposal changes nothing until it is approved (datatier rebalance approve, or POST /admin/rebalance/plans/{id}/approve).' }),
    h('div', { class: 'cards' },
      card('Moves running', fmt.int(running.length), running.length ? `ETA ${fmt.seconds(running[0].etaSeconds)}` : null),
      card('Moves recorded', fmt.int(shown.length)),
      card('Proposals', fmt.int(proposals.length), proposals.length ? `latest: ${proposals[0].status}` : null),
      p ? card('Rows to move', fmt.int(p.movedRows), `${fmt.pct(p.movedFraction)} of ${fmt.int(p.totalRows)} (ideal ${fmt.pct(p.idealFraction)})`) : null),
    h('h3', { text: 'Moves' }),
    shown.length ? shown.map(move) : panel(null, empty('No move has run on this cluster.')),
    panel(`Plan to the desired weights (topology v${p?.topologyVersion ?? '?'})`, p ? h('div', {},
      barChart(p.shards.flatMap((s, i) => [
        { label: `${s.id} now`, value: s.rowsNow, color: COLORS[i % COLORS.length], text: fmt.int(s.rowsNow) },
        { label: `${s.id} after`, value: s.rowsAfter, color: COLORS[i % COLORS.length] + '99', text: fmt.int(s.rowsAfter) },
      ]), { id: 'plan-chart', width: 1300 }),
      table([
        { label: 'Shard', value: s => h('strong', { text: s.id }) },
        { label: 'State', value: s => s.state },
        { label: 'Rows now', num: true, value: s => fmt.int(s.rowsNow) },
        { label: 'Rows after', num: true, value: s => fmt.int(s.rowsAfter) },
        { label: 'Desired share', num: true, value: s => fmt.pct(s.desiredShare) },
        { label: 'Load after', num: true, value: s => fmt.num(s.loadAfter, 3) },
        { label: 'Misplaced', num: true, value: s => fmt.int(s.misplaced) },
      ], p.shards, { id: 'plan-shards' }),
      p.blockers?.length ? h('ul', { class: 'error' }, p.blockers.map(b => h('li', { text: typeof b === 'string' ? b : JSON.stringify(b) }))) : null)
      : h('p', { class: 'error', text: `The plan could not be counted: ${error}` })),
    panel('Proposals', h('div', { class: 'toolbar' }, check),
      proposals.length ? table([
        { label: 'Id', num: true, value: x => String(x.id), sort: x => x.id },
        { label: 'Created', value: x => fmt.dateTime(x.createdAt), sort: x => x.createdAt },
        { label: 'Status', value: x => badge(x.status, x.status === 'applied' ? 'good' : null), sort: x => x.status },
        { label: 'Imbalance', num: true, value: x => fmt.num(x.imbalance, 3), sort: x => x.imbalance },
        { label: 'Loads', value: x => x.loads.map(l => `${l.id} ${fmt.num(l.load, 3)} (${fmt.int(l.rows)} rows, ${fmt.int(l.requests)} req)`).join('; ') },
        { label: 'Proposed weights', value: x => Object.entries(x.weights).map(([id, w]) => `${id} ${fmt.num(w, 3)}`).join(', ') },
        { label: 'Topology', value: x => `v${x.topologyVersion}${x.appliedVersion ? ` \u2192 v${x.appliedVersion}` : ''}` },
        { label: 'Move', value: x => (x.moveId ? `move ${x.moveId}` : x.moveError ?? '') },
      ], proposals, { id: 'proposals', sortBy: { col: 0 } }) : empty('No proposal: the last checks found the shards balanced within the threshold.')));
  return running.length > 0;
}

export async function render(root, context) {
  let timer = null;
  let stopped = false;
  const loop = async () => {
    try {
      if ((await draw(root, context)) && !stopped) timer = setTimeout(loop, context.pollMs);
    } catch (e) {
      context.fail(e, root);
    }
  };
  if (await draw(root, context)) timer = setTimeout(loop, context.pollMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
