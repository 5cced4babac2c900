import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { request } from 'undici';
import { startUpstreamProxy, type RunningUpstreamProxy } from '../../target/proxy/server.js';
import { startUpstreams, type RunningUpstreams } from '../../target/upstream/server.js';
import { TargetClient } from './http.js';

const quiet = () => undefined;
let upstreams: RunningUpstreams;
let proxy: RunningUpstreamProxy;
let control: TargetClient;

before(async () => {
  upstreams = await startUpstreams(['primary', 'secondary'], { log: quiet });
  proxy = await startUpstreamProxy({ upstreams: upstreams.urls, log: quiet });
  control = new TargetClient(proxy.controlUrl);
});
after(async () => {
  await control.close();
  await proxy.close();
  await upstreams.close();
});
beforeEach(async () => {
  await control.delete('/faults');
});

/** One completion through the proxy on a fresh connection: its status, or the error code of a broken one. */
async function through(name: string): Promise<number | string> {
  try {
    const answer = await request(`${proxy.urls[name]}/v1/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ prompt: 'x' }),
      headersTimeout: 5000,
    });
    await answer.body.dump();
    return answer.statusCode;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'error';
  }
}

const countsOf = async (name: string) => (await control.get(`/proxies/${name}`)).json.counts;

describe('upstream proxy control API', () => {
  it('lists the proxied providers with their upstreams, faults and counts', async () => {
    const listed = (await control.get('/proxies')).json.proxies;
    assert.deepEqual(
      listed.map((p: { name: string; upstream: string; url: string }) => [p.name, p.upstream, p.url]),
      [
        ['primary', upstreams.urls.primary, proxy.urls.primary],
        ['secondary', upstreams.urls.secondary, proxy.urls.secondary],
      ],
    );
    assert.equal((await control.get('/health')).json.ok, true);
    assert.equal((await control.get('/proxies/nobody')).json.error, 'unknown_proxy');
  });

  it('sets, reads and clears one provider’s faults, and refuses invalid ones', async () => {
    const set = await control.post('/proxies/primary/faults', { failProbability: 1, latencyMs: 5 });
    assert.deepEqual(set.json, { name: 'primary', faults: { failProbability: 1, latencyMs: 5 } });
    assert.deepEqual((await control.get('/proxies/primary/faults')).json.faults, {
      failProbability: 1,
      latencyMs: 5,
    });
    assert.deepEqual((await control.get('/proxies/secondary/faults')).json.faults, {});
    for (const bad of [
      { failProbability: 0.6, resetProbability: 0.6 },
      { latencyMs: -1 },
      { surprise: true },
      { oscillate: { periodMs: 100, downMs: 200 } },
    ]) {
      assert.equal((await control.post('/proxies/primary/faults', bad)).status, 422, JSON.stringify(bad));
    }
    assert.deepEqual((await control.get('/proxies/primary/faults')).json.faults, {
      failProbability: 1,
      latencyMs: 5,
    });
    assert.deepEqual((await control.delete('/proxies/primary/faults')).json.faults, {});
  });

  it('sets faults on every provider at once', async () => {
    const all = await control.post('/faults', { resetProbability: 0.5 });
    assert.deepEqual(
      all.json.proxies.map((p: { faults: unknown }) => p.faults),
      [{ resetProbability: 0.5 }, { resetProbability: 0.5 }],
    );
  });
});

describe('upstream proxy faults', () => {
  it('forwards untouched without faults', async () => {
    const before = await countsOf('primary');
    assert.equal(await through('primary'), 200);
    const after = await countsOf('primary');
    assert.equal(after.forwarded - before.forwarded, 1);
    assert.equal(after.failed, before.failed);
  });

  it('answers 503 upstream_fault at failProbability 1, without reaching the upstream', async () => {
    const upstreamBefore = upstreams.upstreams[0].calls().total;
    await control.post('/proxies/primary/faults', { failProbability: 1 });
    assert.equal(await through('primary'), 503);
    assert.equal(await through('secondary'), 200, 'faults are per provider');
    assert.equal(upstreams.upstreams[0].calls().total, upstreamBefore);
    assert.ok((await countsOf('primary')).failed >= 1);
  });

  it('resets the connection at resetProbability 1', async () => {
    await control.post('/proxies/primary/faults', { resetProbability: 1 });
    const outcome = await through('primary');
    assert.equal(typeof outcome, 'string', `got HTTP ${outcome}`);
    assert.ok((await countsOf('primary')).reset >= 1);
  });

  it('holds a blackholed request, and closes it after timeoutMs', async () => {
    await control.post('/proxies/primary/faults', { blackholeProbability: 1, timeoutMs: 300 });
    const started = Date.now();
    const outcome = await through('primary');
    assert.equal(typeof outcome, 'string', `got HTTP ${outcome}`);
    assert.ok(Date.now() - started >= 290, 'closed before its timeout');
    assert.ok((await countsOf('primary')).blackholed >= 1);
  });

  it('delays requests by latencyMs', async () => {
    await control.post('/proxies/primary/faults', { latencyMs: 200, jitterMs: 0 });
    const started = Date.now();
    assert.equal(await through('primary'), 200);
    assert.ok(Date.now() - started >= 195, 'answered before the latency');
  });

  it('oscillates between healthy and down', async () => {
    await control.post('/proxies/primary/faults', { oscillate: { periodMs: 100, downMs: 50 } });
    const seen = new Set<number | string>();
    for (let i = 0; i < 100 && seen.size < 2; i++) {
      seen.add(await through('primary'));
      await new Promise((resolve) => setTimeout(resolve, 13));
    }
    assert.deepEqual([...seen].sort(), [200, 503]);
    assert.ok((await countsOf('primary')).oscillationDown >= 1);
  });

  it('answers 502 when the upstream is gone', async () => {
    const lone = await startUpstreams(['gone'], { log: quiet });
    const solo = await startUpstreamProxy({ upstreams: lone.urls, log: quiet });
    await lone.close();
    try {
      const answer = await request(`${solo.urls.gone}/v1/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"prompt":"x"}',
      });
      assert.equal(answer.statusCode, 502);
      assert.equal(((await answer.body.json()) as { error: string }).error, 'upstream_unreachable');
      assert.equal(solo.lanes()[0].counts.upstreamErrors, 1);
    } finally {
      await solo.close();
    }
  });
});
