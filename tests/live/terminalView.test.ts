/**
 * The terminal view's four modes over one event sequence, the TTY frame, the LiveState reducer's
 * bounds and ordering, and the fan-out dropping a broken view without losing the others.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { type LiveEvent, LiveViews } from '../../coordinator/live/events.js';
import { LiveState } from '../../coordinator/live/liveState.js';
import { renderFrame, TerminalView, type TerminalMode } from '../../coordinator/live/terminalView.js';

const T0 = 1_800_000_000_000;
const CASE = 'edges.resource_exhaustion';

function sequence(): LiveEvent[] {
  const events: LiveEvent[] = [
    {
      kind: 'run-started',
      atMs: T0,
      runId: null,
      mode: 'quick',
      cases: [
        {
          caseId: CASE,
          suite: 'edges',
          name: 'resource_exhaustion',
          title: 't',
          plannedRequests: 1000,
          plannedDurationMs: 10_000,
        },
      ],
      agents: [],
    },
    { kind: 'case-state', atMs: T0, caseId: CASE, state: 'running' },
    { kind: 'agent-state', atMs: T0, agentId: 'local-1', state: 'running' },
    { kind: 'agent-state', atMs: T0 + 1, agentId: 'local-1', state: 'running' },
  ];
  for (let s = 0; s < 10; s++)
    events.push({
      kind: 'progress',
      atMs: T0 + s * 1000,
      caseId: CASE,
      elapsedMs: s * 1000,
      requests: s === 0 ? 0 : s * 50,
      errors: s === 0 ? 0 : s,
      rps: 50,
      p99Ms: null,
      // The second shard is done from 7 s on.
      shards: { total: 2, running: s < 7 ? 2 : 1, done: s < 7 ? 0 : 1 },
    });
  for (const [i, c, blocked] of [
    [0, 80, false],
    [1, 86, true],
    [2, 84, true],
    [3, 74, false],
  ] as const)
    events.push({
      kind: 'thermal',
      atMs: T0 + i * 1000,
      agentId: 'local-1',
      temperatureC: c,
      blocked,
      limits: { blockC: 82, resumeC: 75 },
    });
  events.push(
    { kind: 'error', atMs: T0 + 9000, caseId: CASE, key: 'ECONNRESET', count: 3 },
    { kind: 'case-state', atMs: T0 + 9500, caseId: CASE, state: 'failed', note: 'threshold missed' },
    {
      kind: 'run-finished',
      atMs: T0 + 10_000,
      runId: 'r1',
      status: 'completed',
      exitCode: 1,
      summary: {
        testCases: 1,
        passed: 0,
        failed: 1,
        skipped: 0,
        unfinished: 0,
        successRate: 0,
        grade: 'significant stress-handling problems',
        requests: 500,
        durationMs: 10_000,
      },
    },
  );
  return events;
}

function feed(mode: TerminalMode, events = sequence()) {
  const out = new PassThrough();
  const err = Object.assign(new PassThrough(), { columns: 100 });
  let [stdout, stderr] = ['', ''];
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  const view = new TerminalView(mode, { out, err }, () => T0 + 5000);
  for (const e of events) view.publish(e);
  view.log('▶ a log line of the run');
  return { view, stdout: () => stdout, stderr: () => stderr };
}

test('plain: one line per state change, progress at most once per case per 5 s', () => {
  const { view, stdout, stderr } = feed('plain');
  view.close();
  assert.equal(stdout(), '');
  assert.deepEqual(stderr().trimEnd().split('\n'), [
    'live: 1 test case(s)',
    `case ${CASE}: running`,
    'agent local-1: running',
    `  … ${CASE}: 0/2 shards done, 2 running, 0 ops, 50 ops/s, p99 — ms, 0 s`,
    `  … ${CASE}: 0/2 shards done, 2 running, 50 ops 98.0% ok, 50 ops/s, p99 — ms, 1 s`,
    `  … ${CASE}: 0/2 shards done, 2 running, 300 ops 98.0% ok, 50 ops/s, p99 — ms, 6 s`,
    `  … ${CASE}: 1/2 shards done, 1 running, 350 ops 98.0% ok, 50 ops/s, p99 — ms, 7 s`,
    'thermal local-1: 86 °C, blocked (block ≥ 82, resume ≤ 75 °C)',
    'thermal local-1: 74 °C, resumed (block ≥ 82, resume ≤ 75 °C)',
    `error in ${CASE}: ECONNRESET ×3`,
    `case ${CASE}: failed — threshold missed`,
    '▶ a log line of the run',
  ]);
});

test('json: every event as one JSON line on stdout, log lines stay on stderr', () => {
  const events = sequence();
  const { stdout, stderr } = feed('json', events);
  assert.deepEqual(
    stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
    events,
  );
  assert.equal(stderr(), '▶ a log line of the run\n');
});

test('quiet: nothing at all', () => {
  const { view, stdout, stderr } = feed('quiet');
  view.close();
  assert.equal(stdout() + stderr(), '');
});

test('tty: a frame with the running case, its bar and figures, and the agents; log lines above it', async () => {
  const running = sequence().filter((e) => e.kind !== 'case-state' || e.state === 'running');
  const { view, stderr } = feed('tty', running.slice(0, -1));
  await new Promise((r) => setTimeout(r, 400));
  view.close();
  const text = stderr();
  assert.ok(text.includes('▶ a log line of the run\n'));
  assert.match(
    text,
    new RegExp(`RUN  ${CASE.replace('.', '\\.')}  \\[█{9}░{11}\\]  45%  450 ops · 50 ops/s · 9 err`),
  );
  assert.match(text, /agents: local-1 running 74 °C/);
  assert.match(text, /last error: edges\.resource_exhaustion ECONNRESET ×3/);

  const live = new LiveState();
  for (const e of sequence()) live.apply(e);
  const frame = renderFrame(live.state, T0 + 20_000, 60);
  assert.match(frame, /^stampede r1 \(quick\) — 10 s — completed$/m, 'a finished run keeps its own duration');
  assert.match(frame, /FAIL edges\.resource_exhaustion/);
  assert.ok(
    frame.split('\n').every((l) => l.length <= 60),
    'lines cut to the terminal width',
  );
});

test('LiveState keeps series bounded and in time order, errors once per key with the latest count', () => {
  const live = new LiveState();
  for (let i = 0; i < 5000; i++)
    live.apply({
      kind: 'progress',
      atMs: T0 + i,
      caseId: CASE,
      elapsedMs: i,
      requests: i,
      errors: 0,
      rps: 1,
      p99Ms: null,
      shards: { total: 1, running: 1, done: 0 },
    });
  const points = live.state.cases[CASE].points;
  assert.ok(points.length <= LiveState.MAX_POINTS, `${points.length} points`);
  assert.equal(points.at(-1)!.requests, 4999, 'the latest point is kept');
  assert.ok(points.every((p, i) => i === 0 || p.atMs > points[i - 1].atMs));
  for (const t of [3, 1, 2, 2])
    live.apply({ kind: 'thermal', atMs: T0 + t * 1000, agentId: 'a', temperatureC: 70 + t, blocked: false });
  assert.deepEqual(
    live.state.agents.a.thermal.map((s) => s.atMs - T0),
    [1000, 2000, 3000],
  );
  assert.equal(live.state.agents.a.temperatureC, 73, 'the newest reading, not the last to arrive');
  for (const count of [1, 4]) live.apply({ kind: 'error', atMs: T0, caseId: CASE, key: 'E', count });
  assert.deepEqual(
    live.state.errors.map((e) => [e.key, e.count]),
    [['E', 4]],
  );
});

test('LiveViews: a view that throws is dropped and reported once; the others keep receiving', () => {
  const failures: string[] = [];
  const received: string[] = [];
  const views = new LiveViews((m) => failures.push(m))
    .add({
      publish() {
        throw new Error('display gone');
      },
    })
    .add({ publish: (e) => void received.push(e.kind) });
  for (const e of sequence().slice(0, 3)) views.publish(e);
  assert.deepEqual(received, ['run-started', 'case-state', 'agent-state']);
  assert.deepEqual(failures, ['live view failed and was dropped: display gone']);
});
