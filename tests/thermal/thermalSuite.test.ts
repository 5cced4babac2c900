/**
 * The thermal suite as a user runs it: on the embedded default (a thermal agent with a scripted
 * heat-up / cool-down curve) every case passes and the report carries the timeline, the limits in
 * force and says the sensor was scripted; with no thermal agent on the bus, `--suite thermal` fails
 * fast with exit 3; a CPU that never gets hot, or a sensor that only faults, fails the cases that
 * need heat.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
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
        // Ends once a heat cycle is done (endAfterHeatBlocks), within one 15 s turn of the curve.
        thermal_limit_stress: SHORT(20_000),
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
    assert.ok(c.thermal[0].requestsChecked! > 0, 'every gated request was checked');
    assert.equal(c.thermal[0].checkResolutionMs, 1);
    assert.equal(c.thermal[0].limitsWarning, undefined, 'the shipped limits are the reference ones');
    assert.ok(c.thermal[0].timeline.length > 5);
    assert.ok(c.thermal[0].events.some((e) => e.type === 'block'));
  }
  const text = readTextReport(dir);
  assert.match(text, /Thermal timeline/);
  assert.match(text, /SCRIPTED — not a real temperature/);
  assert.match(text, /block\s+86 °C/);
  assert.match(text, /limits in force: block >= 82 °C \/ resume <= 75 °C \(the reference\)/);
  assert.match(text, /0 of \d+ gated request\(s\) started while blocked .* at 1 ms resolution/);
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
    'scripted:60@0',
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
      thermal_limit_stress: 'failed',
      recovery_cycles: 'failed',
      thermal_aware_operations: 'failed',
    });
    assert.deepEqual(
      report.failureAnalysis.map((f) => [f.caseId, f.cause]),
      [
        ['thermal.thermal_limit_stress', 'block limit never reached'],
        ['thermal.recovery_cycles', 'thermal limits never reached'],
        ['thermal.thermal_aware_operations', 'thermal limits never reached'],
      ],
    );
    assert.match(report.failureAnalysis[0].detail, /peak 60 °C, block limit 82 °C/);
    assert.match(readTextReport(dir), /thermal_limit_stress: block limit never reached/);
  } finally {
    await agent.stop();
    await target.close();
    await nats.stop();
  }
});

test('recovery_cycles on a sensor that only faults fails: fault blocks are not heat cycles', async () => {
  const nats = await startNatsServer();
  const { dir, file } = tempConfig({
    cluster: FAST_CLUSTER,
    suites: {
      thermal: {
        thermal_limit_stress: SHORT(2000),
        recovery_cycles: SHORT(6000),
        thermal_aware_operations: {
          ...SHORT(2000),
          params: { method: 'GET', path: '/', trackOpStarts: true },
        },
      },
    },
  });
  // Limits other than the reference 82 / 75 °C: allowed, and said plainly at start and in the report.
  const limits = path.join(dir, 'limits.json');
  writeFileSync(limits, JSON.stringify({ block_celsius: 80, resume_celsius: 70, throttle_celsius: 76 }));
  // Cool readings broken by sensor failures: every failure blocks, every good reading resumes.
  const agent = await startAgent(nats.url, 'faulty-thermal', [
    '--thermal',
    '--thermal-source',
    'scripted:60@0,fail@1s,60@3s,repeat@4s',
    '--thermal-limits',
    limits,
  ]);
  const target = await startCountingTarget();
  try {
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
    assert.match(
      agent.output(),
      /WARNING: thermal limits in force \(block 80 °C \/ resume 70 °C\) differ from the reference 82 \/ 75 °C/,
    );
    const warning =
      /WARNING: limits in force \(block 80 °C \/ resume 70 °C\) differ from the reference 82 \/ 75 °C/;
    assert.equal(
      readTextReport(dir).match(new RegExp(warning.source, 'g'))?.length,
      3,
      'one warning per thermal case',
    );
    const report = readJsonReport(dir);
    for (const c of report.suites[0].testCases)
      assert.match(c.thermal[0].limitsWarning ?? '', /differ from the reference/);
    const recovery = report.suites[0].testCases.find((c) => c.name === 'recovery_cycles')!;
    assert.equal(recovery.verdict, 'failed');
    const g = recovery.metrics.gauges;
    assert.ok(
      g.faultBlocks >= 1 && g.thermalResumes >= 1,
      `faults blocked and resumed: ${JSON.stringify(g)}`,
    );
    assert.equal(g.heatBlocks, 0);
    assert.equal(g.heatResumes, 0);
    const causes = report.failureAnalysis
      .filter((f) => f.caseId === 'thermal.recovery_cycles')
      .map((f) => f.cause);
    assert.deepEqual(causes, ['thermal limits never reached', 'thermal sensor faults']);
  } finally {
    await agent.stop();
    await target.close();
    await nats.stop();
  }
});
