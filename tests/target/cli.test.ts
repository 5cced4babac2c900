import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ALL_FLAGS } from '../../target/cliArgs.js';
import { NO_FAULTS } from '../../target/faultSwitches.js';
import { startUpstream } from '../../target/upstream/server.js';
import { runCli, spawnTarget } from './childTarget.js';
import { TargetClient } from './http.js';

describe('stampede-target CLI', () => {
  it('prints one listening line, wires every flag, and exits 0 on SIGTERM', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'stampede-cli-test-'));
    const stateFile = path.join(dir, 'state.json');
    const sandbox = path.join(dir, 'sandbox');
    const upstream = await startUpstream({ name: 'secondary', log: () => undefined });
    const child = await spawnTarget([
      '--provider',
      `secondary=${upstream.url}`,
      '--host',
      '127.0.0.1',
      '--state',
      stateFile,
      '--sandbox',
      sandbox,
      '--max-sessions',
      '2',
      '--max-body-bytes',
      '2048',
      '--leak-bytes-per-request',
      '10',
      '--no-session-cleanup',
      '--provider-fail-rate',
      'primary=1',
      '--provider-fail-rate',
      'secondary=0',
      '--slow-ms',
      '1',
    ]);
    const api = new TargetClient(child.url);
    try {
      assert.match(child.stdout(), /^stampede-target listening on http:\/\/127\.0\.0\.1:\d+\n$/);
      assert.deepEqual((await api.get('/admin/faults')).json, {
        ...NO_FAULTS,
        leakBytesPerRequest: 10,
        noSessionCleanup: true,
        providerFailRates: { primary: 1, secondary: 0 },
        slowMs: 1,
      });
      const answer = await api.post('/process', { prompt: 'x' });
      assert.equal(answer.json.provider, 'secondary');
      // Answered over HTTP by the upstream the --provider flag named, not by the stand-in.
      assert.equal(upstream.calls().ok, 1);
      const health = (await api.get('/providers/health')).json.providers;
      assert.deepEqual(
        health.map((p: { name: string; upstream: string }) => [p.name, p.upstream]),
        [
          ['primary', 'stand-in'],
          ['secondary', upstream.url],
          ['local', 'stand-in'],
        ],
      );
      assert.equal((await api.get('/sessions')).json.max, 2);
      const big = await api.post('/tools/execute', {
        tool: 'write_file',
        args: { path: 'f.txt', content: 'x'.repeat(2049) },
      });
      assert.equal(big.json.error, 'file_too_large');
      await api.post('/tools/execute', {
        tool: 'write_file',
        args: { path: 'f.txt', content: 'in the sandbox' },
      });
      assert.equal(await readFile(path.join(sandbox, 'f.txt'), 'utf8'), 'in the sandbox');
    } finally {
      await api.close();
      await upstream.close();
      if (child.child.exitCode === null) await child.stop();
    }
    const { code } = await child.exited;
    assert.equal(code, 0);
    assert.match(await readFile(stateFile, 'utf8'), /stampede-target-state/);
    await rm(dir, { recursive: true, force: true });
  });

  it('sets every defect switch from its flag', async () => {
    const child = await spawnTarget([
      '--no-provider-retry',
      '--no-fallback',
      '--session-sweep-ms',
      '1000',
      '--ignore-primary-switch',
      '--torn-tool-appends',
      '--lose-state-on-restart',
      '--echo-mangles-unicode',
      '--max-open-connections',
      '50',
      '--accept-bad-config',
      '--session-leak-on-corrupt',
      '--crash-on-malformed',
    ]);
    const api = new TargetClient(child.url);
    try {
      assert.deepEqual((await api.get('/admin/faults')).json, {
        ...NO_FAULTS,
        noProviderRetry: true,
        noFallback: true,
        sessionSweepMs: 1000,
        ignorePrimarySwitch: true,
        tornToolAppends: true,
        loseStateOnRestart: true,
        echoManglesUnicode: true,
        maxOpenConnections: 50,
        acceptBadConfig: true,
        sessionLeakOnCorrupt: true,
        crashOnMalformed: true,
      });
    } finally {
      await api.close();
      await child.stop();
    }
  });

  it('exits 0 on SIGINT', async () => {
    const child = await spawnTarget([]);
    child.child.kill('SIGINT');
    assert.equal((await child.exited).code, 0);
  });

  it('prints help', async () => {
    const run = await runCli(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--provider-fail-rate NAME=R/);
    for (const flag of ALL_FLAGS) assert.ok(run.stdout.includes(`--${flag}`), `help lacks --${flag}`);
  });

  for (const [args, flag] of [
    [['--port', 'abc'], '--port'],
    [['--port', '70000'], '--port'],
    [['--max-sessions', '0'], '--max-sessions'],
    [['--provider-fail-rate', 'primary=2'], '--provider-fail-rate'],
    [['--provider-fail-rate', 'primary'], '--provider-fail-rate'],
    [['--bogus'], '--bogus'],
    [['--slow-ms'], '--slow-ms'],
    [['--provider', 'primary'], '--provider'],
    [['--provider', 'primary=ftp://127.0.0.1:1'], '--provider'],
    [['--provider', 'Bad=http://127.0.0.1:1'], '--provider'],
    [['--session-sweep-ms', '700000'], '--session-sweep-ms'],
    [['--restart-delay-ms', '10'], '--restart-delay-ms'],
  ] as const) {
    it(`refuses ${args.join(' ')} with one line naming ${flag} and exit 2`, async () => {
      const run = await runCli(args);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
      assert.ok(run.stderr.includes(flag), run.stderr);
    });
  }
});
