import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startUpstream, startUpstreams } from '../../target/upstream/server.js';
import { TargetClient } from './http.js';

const UPSTREAM_CLI = fileURLToPath(new URL('../../target/upstream/cli.js', import.meta.url));
const quiet = () => undefined;

describe('stand-in upstream provider', () => {
  it('answers completions padded to its answer size, and reports health and calls', async () => {
    const upstream = await startUpstream({ name: 'primary', answerBytes: 2000, log: quiet });
    const api = new TargetClient(upstream.url);
    try {
      const answer = await api.post('/v1/complete', { prompt: 'héllo ✓' });
      assert.equal(answer.status, 200);
      assert.equal(answer.json.provider, 'primary');
      assert.ok(answer.json.answer.startsWith('reply to "héllo ✓"'), answer.json.answer.slice(0, 40));
      assert.equal(Buffer.byteLength(answer.json.answer), 2000);
      assert.equal(answer.json.usage.answerBytes, 2000);
      const health = await api.get('/health');
      assert.equal(health.status, 200);
      assert.deepEqual(health.json, {
        ok: true,
        name: 'primary',
        calls: { total: 1, ok: 1, failed: 0, unhealthy: 0, abandoned: 0 },
      });
      assert.equal((await api.post('/v1/complete', { prompt: 1 })).status, 422);
    } finally {
      await api.close();
      await upstream.close();
    }
  });

  it('waits its latency, fails at its rate, and turns unhealthy at run time', async () => {
    const upstream = await startUpstream({ latencyMs: 150, failRate: 1, log: quiet });
    const api = new TargetClient(upstream.url);
    try {
      const started = Date.now();
      const failed = await api.post('/v1/complete', { prompt: 'x', provider: 'local' });
      assert.ok(Date.now() - started >= 145, 'answered before its latency');
      assert.equal(failed.status, 503);
      assert.equal(failed.json.error, 'provider_error');
      const changed = await api.post('/admin/settings', { failRate: 0, latencyMs: 0, healthy: false });
      assert.equal(changed.json.healthy, false);
      assert.equal((await api.get('/health')).status, 503);
      assert.equal((await api.post('/v1/complete', { prompt: 'x' })).json.error, 'provider_unhealthy');
      await api.post('/admin/settings', { healthy: true });
      const served = await api.post('/v1/complete', { prompt: 'x', provider: 'local' });
      assert.equal(served.json.provider, 'local', 'a nameless upstream answers as the provider asked for');
      assert.equal((await api.post('/admin/settings', { failRate: 2 })).status, 422);
    } finally {
      await api.close();
      await upstream.close();
    }
  });

  it('lets a call ask for more latency and a failure rate on top of its own', async () => {
    const upstream = await startUpstream({ log: quiet });
    const api = new TargetClient(upstream.url);
    try {
      const started = Date.now();
      const slow = await api.post('/v1/complete', { prompt: 'x', simulate: { latencyMs: 120 } });
      assert.equal(slow.status, 200);
      assert.ok(Date.now() - started >= 115);
      const failing = await api.post('/v1/complete', { prompt: 'x', simulate: { failRate: 1 } });
      assert.equal(failing.status, 503);
    } finally {
      await api.close();
      await upstream.close();
    }
  });

  it('starts several named upstreams on separate ports', async () => {
    const running = await startUpstreams(['primary', 'secondary'], { log: quiet });
    try {
      assert.deepEqual(Object.keys(running.urls), ['primary', 'secondary']);
      assert.notEqual(running.urls.primary, running.urls.secondary);
      for (const [name, url] of Object.entries(running.urls)) {
        const api = new TargetClient(url);
        assert.equal((await api.get('/health')).json.name, name);
        await api.close();
      }
    } finally {
      await running.close();
    }
    await assert.rejects(startUpstreams(['a', 'a']), /duplicate/);
  });
});

describe('stampede-upstream CLI', () => {
  it('prints one ready line with the upstreams and the proxy, serves through the proxy, exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [UPSTREAM_CLI, '--name', 'alpha', '--name', 'beta', '--answer-bytes', '64', '--proxy'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = once(child, 'exit');
    try {
      const deadline = Date.now() + 10_000;
      while (!out.includes('\n') && Date.now() < deadline && child.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const match = /^stampede-upstream ready (\{.*\})\n$/.exec(out);
      assert.ok(match, `unexpected stdout: ${out}`);
      const ready = JSON.parse(match[1]);
      assert.deepEqual(Object.keys(ready.upstreams), ['alpha', 'beta']);
      assert.deepEqual(Object.keys(ready.proxy.urls), ['alpha', 'beta']);
      const viaProxy = new TargetClient(ready.proxy.urls.beta);
      const answer = await viaProxy.post('/v1/complete', { prompt: 'through the proxy' });
      await viaProxy.close();
      assert.equal(answer.json.provider, 'beta');
      assert.equal(Buffer.byteLength(answer.json.answer), 64);
      const control = new TargetClient(ready.proxy.control);
      const lane = (await control.get('/proxies/beta')).json;
      await control.close();
      assert.equal(lane.upstream, ready.upstreams.beta);
      assert.equal(lane.counts.forwarded, 1);
    } finally {
      child.kill('SIGTERM');
      assert.equal((await exited)[0], 0);
    }
  });

  for (const [args, flag] of [
    [['--fail-rate', '3'], '--fail-rate'],
    [['--latency-ms', '70000'], '--latency-ms'],
    [['--name', 'Bad Name'], '--name'],
    [['--port', '1234'], '--port'],
    [['--proxy-port', '1234'], '--proxy-port'],
    [['--bogus'], '--bogus'],
  ] as const) {
    it(`refuses ${args.join(' ')} with one line naming ${flag} and exit 2`, async () => {
      const child = spawn(process.execPath, [UPSTREAM_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      const [code] = await once(child, 'exit');
      assert.equal(code, 2, err);
      assert.equal(err.trimEnd().split('\n').length, 1, err);
      assert.ok(err.includes(flag), err);
    });
  }
});
