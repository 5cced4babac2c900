/*
 * The live dashboard page: connects to the run's WebSocket with the page's token, folds the
 * snapshot and the events into a LiveState (the class inlined before this script) and redraws at
 * most once a frame. The DOM is built with textContent only.
 */
(() => {
  const token = new URLSearchParams(location.search).get('token') || '';
  let live = new LiveState();
  const thermalCharts = new Map();
  let drawPending = false;
  let connected = false;

  const $ = (id) => document.getElementById(id);
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
    return node;
  }
  const badge = (state) => h('span', { class: `badge v-${state}` }, String(state).toUpperCase());
  const num = (v, digits = 1) =>
    v === null || v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(digits);
  const cell = (v, cls) => h('td', cls ? { class: cls } : {}, v);

  const throughput = StampedeCharts.lineChart($('throughput'), {
    title: 'Throughput (all cases)',
    time: true,
    yLabel: 'operations / s',
    series: [{ label: 'ops/s' }, { label: 'failed / s', color: '#c62828' }],
  });
  const latency = StampedeCharts.lineChart($('latency'), {
    title: 'p99 latency (merged, per case)',
    time: true,
    yLabel: 'ms',
    series: [{ label: 'p99 ms', color: '#c62828', points: true }],
  });

  function fraction(c) {
    if (c.state !== 'running') return c.state === 'pending' ? 0 : 1;
    const f =
      c.plannedRequests > 0 ? c.requests / c.plannedRequests : c.elapsedMs / (c.plannedDurationMs || 1);
    return Math.max(0, Math.min(1, f));
  }

  function drawCases(s) {
    const rows = s.order.map((id) => {
      const c = s.cases[id];
      const bar = h(
        'span',
        { class: 'progress' },
        h('span', { style: `width:${(fraction(c) * 100).toFixed(0)}%` }),
      );
      return h(
        'tr',
        { 'data-case-id': id },
        cell(c.suite),
        h('td', {}, h('code', {}, id), c.note ? h('div', { class: 'note' }, c.note) : ''),
        h(
          'td',
          {},
          badge(c.state),
          c.generatorSaturated
            ? h('span', { class: 'badge v-failed', title: c.note ?? '' }, 'GENERATOR SATURATED')
            : '',
        ),
        h('td', {}, c.state === 'running' ? bar : ''),
        cell(c.requests, 'num'),
        cell(c.errors, 'num'),
        cell(num(c.rps), 'num'),
        cell(num(c.p99Ms, 2), 'num'),
      );
    });
    $('cases').tBodies[0].replaceChildren(...rows);
  }

  function drawCharts(s) {
    const points = s.order.flatMap((id) => {
      let previous;
      return s.cases[id].points.map((p) => {
        const dt = previous ? (p.atMs - previous.atMs) / 1000 : 0;
        const failed = previous && dt > 0 ? (p.errors - previous.errors) / dt : 0;
        previous = p;
        return { t: p.atMs / 1000, rps: p.rps, failed, p99: p.p99Ms };
      });
    });
    points.sort((a, b) => a.t - b.t);
    const xs = points.map((p) => p.t);
    throughput.setData([xs, points.map((p) => p.rps), points.map((p) => p.failed)]);
    latency.setData([xs, points.map((p) => p.p99)]);
  }

  function drawAgents(s) {
    const agents = Object.values(s.agents);
    $('agents').tBodies[0].replaceChildren(
      ...agents.map((a) =>
        h(
          'tr',
          { 'data-agent-id': a.agentId },
          h('td', {}, h('code', {}, a.agentId)),
          cell(a.host ?? ''),
          cell(a.cores ?? '', 'num'),
          cell(a.threads ?? '', 'num'),
          cell(a.cpuModel ?? ''),
          cell((a.capabilities || []).join(', ')),
          h('td', {}, badge(a.state)),
          cell(num(a.temperatureC), 'num'),
        ),
      ),
    );
    const hot = agents.filter((a) => a.thermal.length > 0);
    $('thermal-section').hidden = hot.length === 0;
    for (const a of hot) {
      let chart = thermalCharts.get(a.agentId);
      if (!chart) {
        const el = h('div', { class: 'chart', 'data-thermal-agent': a.agentId });
        $('thermal').append(h('div', { class: 'panel' }, h('h3', {}, `${a.agentId} temperature`), el));
        chart = StampedeCharts.thermalChart(el, '');
        thermalCharts.set(a.agentId, chart);
      }
      chart.set(
        a.thermal.map((x) => ({ t: x.atMs / 1000, celsius: x.temperatureC, blocked: x.blocked })),
        a.limits,
      );
    }
  }

  function drawErrors(s) {
    const rows = [...s.errors]
      .reverse()
      .map((e) =>
        h(
          'tr',
          {},
          cell(new Date(e.atMs).toLocaleTimeString()),
          h('td', {}, h('code', {}, e.caseId)),
          h('td', {}, h('code', {}, e.key)),
          cell(e.count, 'num'),
        ),
      );
    $('errors').tBodies[0].replaceChildren(...rows);
    $('no-errors').hidden = rows.length > 0;
  }

  function drawHeader(s) {
    const cases = s.order.map((id) => s.cases[id]);
    const done = cases.filter((c) => c.state !== 'pending' && c.state !== 'running').length;
    const running = cases.find((c) => c.state === 'running');
    const end = s.finished ? s.finished.atMs : Date.now();
    $('total-requests').textContent = String(cases.reduce((n, c) => n + c.requests, 0));
    $('total-errors').textContent = String(cases.reduce((n, c) => n + c.errors, 0));
    $('total-rps').textContent = num(running ? running.rps : 0);
    $('elapsed').textContent = `${s.startedAtMs ? Math.round((end - s.startedAtMs) / 1000) : 0} s`;
    $('case-count').textContent = `${done} / ${cases.length}`;
    $('run-line').textContent =
      `run ${s.runId ?? '(not assigned yet)'} · ${s.mode || '…'} · target ${s.target ?? 'the bundled reference target'}`;
    const status = s.finished ? s.finished.status : connected ? 'running' : 'disconnected';
    $('status').className =
      `badge v-${s.finished ? (s.finished.exitCode === 0 ? 'passed' : 'failed') : connected ? 'running' : 'missing'}`;
    $('status').textContent = status.toUpperCase();
    const f = s.finished;
    $('finished').replaceChildren(
      f
        ? h(
            'div',
            { class: `banner v-${f.exitCode === 0 ? 'passed' : 'failed'}`, id: 'finished-banner' },
            `Run finished (${f.status}${f.statusNote ? ` — ${f.statusNote}` : ''}): ${f.summary.passed} passed, ${f.summary.failed} failed, ${f.summary.skipped} skipped, ${f.summary.unfinished} unfinished — success rate ${f.summary.successRate}% (${f.summary.grade}), exit code ${f.exitCode}`,
          )
        : '',
    );
  }

  function draw() {
    drawPending = false;
    const s = live.state;
    drawHeader(s);
    drawCases(s);
    drawCharts(s);
    drawAgents(s);
    drawErrors(s);
  }
  function schedule() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(draw);
  }

  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`);
    ws.onopen = () => {
      connected = true;
      schedule();
    };
    ws.onmessage = (m) => {
      const message = JSON.parse(m.data);
      if (message.kind === 'snapshot') live = new LiveState(message.state);
      else live.apply(message);
      schedule();
    };
    ws.onclose = () => {
      connected = false;
      schedule();
      if (!live.state.finished) setTimeout(connect, 2000);
    };
  }
  connect();
  // The elapsed time moves on between events.
  setInterval(() => live.state.finished || schedule(), 1000);
})();
