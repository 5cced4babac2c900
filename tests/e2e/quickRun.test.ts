/**
 * `npx coordinator run --quick` exactly as a user runs it, on the embedded default cluster with
 * nothing else started: exit code, report contents, and nothing left running afterwards, also
 * when interrupted with Ctrl-C.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { PACKAGE_ROOT } from '../../shared/config/paths.js';
import { processesMarked } from '../helpers/processes.js';
import { readJsonReport, readTextReport } from '../helpers/reports.js';

function coordinator(command: string, args: string[]) {
  // Marked, so that everything it starts can be found afterwards however it was detached.
  const marker = `stampede-e2e-${process.pid}-${Date.now()}`;
  // Its own process group, like a command started from a shell, so the test can Ctrl-C it.
  const child = spawn(command, args, {
    cwd: PACKAGE_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, STAMPEDE_TEST_MARK: marker },
  });
  let stdout = '';
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    stdout: () => stdout,
    output: () => output,
    leftovers: () => processesMarked(marker),
  };
}

test('npx coordinator run --quick passes on the embedded default and writes both reports', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-quick-'));
  const saved = path.join(dir, 'saved', 'quick.txt');
  const started = Date.now();
  const run = coordinator('npx', [
    'coordinator',
    'run',
    '--quick',
    '--reports-dir',
    dir,
    '--save-report',
    saved,
  ]);
  const code = await run.exited;
  const seconds = (Date.now() - started) / 1000;
  assert.equal(code, 0, run.output());
  assert.match(run.stdout(), /passed, 0 failed, 0 skipped, 0 unfinished — success rate 100% \(excellent\)/);

  const report = readJsonReport(dir);
  for (const key of [
    'schema',
    'runId',
    'startedAt',
    'finishedAt',
    'selection',
    'summary',
    'agents',
    'suites',
  ])
    assert.ok(key in report, `JSON report has ${key}`);
  assert.equal(report.selection.mode, 'quick');
  assert.deepEqual(
    report.suites.map((s) => s.name),
    ['concurrency', 'edges'],
  );
  assert.deepEqual(
    report.selection.skipped.map((s) => s.suite),
    ['memory', 'thermal', 'network', 'limits'],
  );
  for (const suite of report.suites) {
    for (const c of suite.testCases) {
      assert.equal(c.verdict, 'passed', `${c.id}: ${c.note ?? ''} ${JSON.stringify(c.thresholds)}`);
      assert.ok(c.thresholds.length > 0, `${c.id} is judged by thresholds`);
      assert.ok(c.shards.every((s) => s.state === 'done'));
    }
  }
  const load = report.suites[0].testCases.find((c) => c.name === 'high_concurrent_requests')!;
  assert.ok(load.metrics.requests >= 50);
  assert.deepEqual(
    new Set(load.perAgent.map((a) => a.agentId)),
    new Set(['local-1', 'local-2']),
    'the load was split over both local agents',
  );
  assert.equal(report.agents.length, 2);
  assert.equal(report.summary.grade, 'excellent');

  const text = readTextReport(dir);
  for (const section of [
    'Overall statistics',
    'Suite-by-suite breakdown',
    'Performance metrics',
    'Failure analysis',
    'Recommendations',
  ])
    assert.ok(text.includes(section), section);
  assert.match(text, /successRate >= 90: measured 100/);
  assert.equal(readFileSync(saved, 'utf8'), text, '--save-report copies the text report');
  assert.deepEqual(run.leftovers(), [], 'the embedded cluster was stopped');
  console.log(`# run --quick took ${seconds.toFixed(1)} s`);
});

test('Ctrl-C during run --quick: exit 130, a report naming what did not finish, nothing left running', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-interrupt-'));
  const run = coordinator(process.execPath, [
    path.join(PACKAGE_ROOT, 'bin', 'coordinator.js'),
    'run',
    '--quick',
    '--reports-dir',
    dir,
  ]);
  for (let i = 0; i < 600 && !/▶ concurrency\.high_concurrent_requests/.test(run.output()); i++)
    await sleep(100);
  await sleep(1500);
  // A terminal's Ctrl-C reaches the whole foreground process group.
  process.kill(-run.child.pid!, 'SIGINT');
  const code = await run.exited;
  assert.equal(code, 130, run.output());
  const report = readJsonReport(dir);
  assert.equal(report.status, 'interrupted');
  assert.equal(report.exitCode, 130);
  const verdicts = report.suites.flatMap((s) => s.testCases.map((c) => c.verdict));
  assert.ok(verdicts.includes('unfinished'), `verdicts: ${verdicts.join(', ')}`);
  assert.match(readTextReport(dir), /UNFINISHED/);
  await sleep(500);
  assert.deepEqual(run.leftovers(), [], 'the embedded cluster was stopped');
});
