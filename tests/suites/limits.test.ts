/**
 * The limits suite: healthy it passes; each of its five defects fails its own case (one run, one
 * switch per case); a service of the user's is restarted for real by a restart command hook; and
 * a target without the routes and hooks the cases need gets them not applicable, never passed or
 * failed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startDetachedTarget } from '../helpers/restartByCommand.js';
import { proveDefects, SHORT } from './defectMatrix.js';
import { assertAllPassed, assertNotApplicable, caseOf, runSuite, type SuiteOverrides } from './suiteRuns.js';

const RESTART_SCRIPT = fileURLToPath(new URL('../helpers/restartByCommand.js', import.meta.url));

/** The other limits cases at a single operation, for runs that judge system_recovery only. */
const RECOVERY_ONLY: SuiteOverrides = {
  ...SHORT.limits,
  config_edge_cases: { load: { requests: 1 } },
  provider_switching: { load: { durationMs: 500 } },
  session_boundaries: { load: { requests: 1 } },
  tool_registry_overload: { load: { connections: 3, requests: 3 } },
};

test('limits: every case passes against the healthy reference target', async () => {
  const run = await runSuite('limits', SHORT.limits);
  assertAllPassed(run);
  const recovery = caseOf(run, 'limits.system_recovery').metrics.counters;
  assert.equal(recovery.verifiedRestarts, 4, 'every restart was a new process');
  assert.equal(recovery.corruptionDetected, 2, 'both damaged state files were detected');
  assert.ok(caseOf(run, 'limits.tool_registry_overload').metrics.counters.appends > 0);
});

test('limits: bad config accepted, switches ignored, leaked sessions, torn appends and lost state each fail their own case', () =>
  proveDefects({
    suite: 'limits',
    rows: [
      'limits.config_edge_cases',
      'limits.provider_switching',
      'limits.session_boundaries',
      'limits.tool_registry_overload',
      'limits.system_recovery',
    ],
    also: async (run) => {
      assert.ok(caseOf(run, 'limits.session_boundaries').metrics.gauges.sessionsLeaked > 0);
      assert.ok(caseOf(run, 'limits.tool_registry_overload').metrics.counters.tornAppends > 0);
      assert.equal(caseOf(run, 'limits.system_recovery').metrics.counters.verifiedRestarts, 4);
    },
  }));

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("limits: a service of the user's is restarted for real by a restart command; without a hook the case does not apply", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-restart-hook-'));
  const url = await startDetachedTarget(dir, await freePort());
  const firstPid = readFileSync(path.join(dir, 'pid'), 'utf8');
  try {
    const withoutHook = await runSuite('limits', RECOVERY_ONLY, { target: url });
    assertNotApplicable(withoutHook, 'limits.system_recovery', /a real restart: .*not supervised/);
    const hooked = await runSuite(
      'limits',
      {
        ...RECOVERY_ONLY,
        system_recovery: {
          load: { requests: 4 },
          params: { restart: { command: [process.execPath, RESTART_SCRIPT, dir] } },
        },
      },
      { target: url },
    );
    const recovery = caseOf(hooked, 'limits.system_recovery');
    assert.equal(
      recovery.verdict,
      'passed',
      `${recovery.note} ${JSON.stringify(recovery.metrics.counters)} ${JSON.stringify(recovery.errors)}`,
    );
    assert.equal(recovery.metrics.counters.verifiedRestarts, 4, 'the command really restarted the service');
    assert.notEqual(readFileSync(path.join(dir, 'pid'), 'utf8'), firstPid);
  } finally {
    process.kill(Number(readFileSync(path.join(dir, 'pid'), 'utf8')), 'SIGTERM');
  }
});

test('limits: cases needing routes and admin hooks the target lacks are not applicable, with the reason', async () => {
  // Knows the read-only routes the cases start from, and nothing else.
  const routes: Record<string, unknown> = {
    '/ping': { ok: true },
    '/providers': { chain: ['primary', 'local'] },
    '/config': { version: 1, config: { maxSessions: 10, providers: [] } },
    '/tools': { tools: [{ name: 'write_file' }, { name: 'read_file' }, { name: 'cpu_hash' }] },
  };
  const server = http.createServer((req, res) => {
    req.resume();
    const body = req.method === 'GET' ? routes[req.url ?? ''] : undefined;
    res
      .writeHead(body ? 200 : 404, { 'content-type': 'application/json' })
      .end(JSON.stringify(body ?? { error: 'not_found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const run = await runSuite('limits', SHORT.limits, {
      target: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    const expected: [string, RegExp][] = [
      ['limits.provider_switching', /admin hook POST \/admin\/primary \[GET \/admin\/primary answered 404/],
      ['limits.session_boundaries', /admin hook POST \/admin\/sessions\/:id\/corrupt/],
      ['limits.system_recovery', /a real restart/],
      ['limits.config_edge_cases', /routes GET and POST \/config .*OPTIONS named no POST/],
      ['limits.tool_registry_overload', /POST \/tools\/execute \[.*GET \/tools\/execute answered 404/],
    ];
    for (const [id, why] of expected) {
      assertNotApplicable(run, id, why);
      assert.match(caseOf(run, id).note ?? '', /see target\/README\.md#/);
    }
    assert.equal(run.code, 0, 'nothing was judged, nothing failed');
    assert.match(run.output, /5 skipped \(/, 'the summary line says why they were skipped');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
