/**
 * The thermal suite as a user runs it: on the embedded default (a thermal agent with a scripted
 * heat-up / cool-down curve) every case passes and the report carries the timeline and says the
 * sensor was scripted; with no thermal agent on the bus, `--suite thermal` fails fast with exit 3.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJsonReport, readTextReport } from '../helpers/reports.js';
import { startNatsServer } from '../../coordinator/cluster/natsServer.js';
import { startCountingTarget } from '../helpers/countingTarget.js';
import { FAST_CLUSTER, runCoordinator, startAgent, tempConfig } from '../helpers/processes.js';

const SHORT = (durationMs: number) => ({ load: { durationMs }, timeoutMs: 60_000 });

test('run --suite thermal on the embedded default passes and reports the timeline', async () => {
  const { dir, file } = tempConfig({
    cluster: FAST_CLUSTER,
    suites: {
      thermal: {
        thermal_limit_stress: SHORT(8000),
        recovery_cycles: SHORT(10_000),
        thermal_aware_operations: SHORT(8000),
      },
    },
  });
  const run = await runCoordinator(['run', '--suite', 'thermal', '--config', file, '--reports-dir', dir]);
  assert.equal(run.code, 0, run.output);
  const report = readJsonReport(dir);
  const cases = report.suites.find((s) => s.name === 'thermal')!.testCases;
  assert.deepEqual(
    cases.map((c) => [c.name, c.verdict]),
    [
      ['thermal_limit_stress', 'passed'],
      ['recovery_cycles', 'passed'],
      ['thermal_aware_operations', 'passed'],
    ],
  );
  for (const c of cases) {
    assert.equal(c.thermal.length, 1);
    assert.equal(c.thermal[0].real, false);
    assert.equal(c.thermal[0].opsStartedWhileHot, 0);
    assert.ok(c.thermal[0].timeline.length > 5);
    assert.ok(c.thermal[0].events.some((e) => e.type === 'block'));
  }
  const text = readTextReport(dir);
  assert.match(text, /Thermal timeline/);
  assert.match(text, /SCRIPTED — not a real temperature/);
  assert.match(text, /block\s+86 °C/);
});

test('--suite thermal with no thermal agent on the bus exits 3 after a bounded wait', async () => {
  const nats = await startNatsServer();
  const agent = await startAgent(nats.url, 'cool');
  try {
    const { dir, file } = tempConfig({ cluster: FAST_CLUSTER });
    const started = Date.now();
    const run = await runCoordinator([
      'run',
      '--suite',
      'thermal',
      '--nats',
      nats.url,
      '--target',
      'http://127.0.0.1:9/',
      '--config',
      file,
      '--reports-dir',
      dir,
    ]);
    assert.equal(run.code, 3, run.output);
    assert.match(run.output, /--suite thermal: no agent with the thermal capability joined within 10 s/);
    assert.ok(Date.now() - started < 60_000);
  } finally {
    await agent.stop();
    await nats.stop();
  }
});

test('a thermal agent that never gets hot fails the cases that need heat, and the analysis says why', async () => {
  const nats = await startNatsServer();
  const agent = await startAgent(nats.url, 'cool-thermal', [
    '--thermal',
    '--thermal-source',
    'scripted:70@0',
  ]);
  const target = await startCountingTarget();
  try {
    const { dir, file } = tempConfig({
      cluster: FAST_CLUSTER,
      suites: {
        thermal: {
          thermal_limit_stress: SHORT(3000),
          recovery_cycles: SHORT(3000),
          thermal_aware_operations: {
            ...SHORT(3000),
            params: { method: 'GET', path: '/', trackOpStarts: true },
          },
        },
      },
    });
    const run = await runCoordinator([
      'run',
      '--suite',
      'thermal',
      '--nats',
      nats.url,
      '--target',
      target.url,
      '--config',
      file,
      '--reports-dir',
      dir,
    ]);
    assert.equal(run.code, 1, run.output);
    const report = readJsonReport(dir);
    const verdicts = Object.fromEntries(report.suites[0].testCases.map((c) => [c.name, c.verdict]));
    assert.deepEqual(verdicts, {
      thermal_limit_stress: 'passed',
      recovery_cycles: 'failed',
      thermal_aware_operations: 'failed',
    });
    assert.deepEqual(
      report.failureAnalysis.map((f) => [f.caseId, f.cause]),
      [
        ['thermal.recovery_cycles', 'thermal limits never reached'],
        ['thermal.thermal_aware_operations', 'thermal limits never reached'],
      ],
    );
  } finally {
    await agent.stop();
    await target.close();
    await nats.stop();
  }
});
