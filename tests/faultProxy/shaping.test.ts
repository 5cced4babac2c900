import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy } from '../../agent/faultProxy/proxy.js';
import { faultSpecSchema, type FaultSpec } from '../../shared/model/faults.js';
import { startTarget, type RunningTarget } from '../../target/server.js';
import { probe, withProxy, type ProbeResult } from './probe.js';

const FILE_BYTES = 50_000;
const READ_FILE = { tool: 'read_file', args: { path: 'payload.txt' } };
let target: RunningTarget;

before(async () => {
  target = await startTarget({ log: () => undefined });
  const written = await probe(`${target.url}/tools/execute`, {
    json: { tool: 'write_file', args: { path: 'payload.txt', content: 'p'.repeat(FILE_BYTES) } },
  });
  assert.equal(written.status, 200);
});
after(async () => {
  await target.close();
});

/** Label of the first of several concurrent requests to finish. */
function firstToFinish(requests: Record<string, Promise<ProbeResult>>): Promise<string> {
  return Promise.race(Object.entries(requests).map(([label, result]) => result.then(() => label)));
}

describe('fault proxy shaping', () => {
  it('passes requests and responses through unchanged without faults', async () => {
    await withProxy(target.port, {}, async (proxy) => {
      const viaProxy = await probe(proxy.url(`${target.url}/tools/execute`), { json: READ_FILE });
      assert.equal(viaProxy.status, 200);
      assert.equal(JSON.parse(viaProxy.body ?? '').result.content, 'p'.repeat(FILE_BYTES));
      const stats = proxy.stats();
      assert.equal(stats.passed, 1);
      assert.ok(stats.bytesFromUpstream > FILE_BYTES);
      assert.ok(stats.bytesFromClient > 0);
    });
  });

  it('rewrites only the origin of a URL', async () => {
    await withProxy(target.port, {}, async (proxy) => {
      assert.equal(proxy.url('http://10.0.0.9:8080'), `http://127.0.0.1:${proxy.port}`);
      assert.equal(proxy.url('http://example.test/a/b?c=1#d'), `http://127.0.0.1:${proxy.port}/a/b?c=1#d`);
    });
  });

  it('adds latency: the direct request answers first, the proxied one no sooner than the delay', async () => {
    await withProxy(target.port, { latency: { ms: 300, jitterMs: 0 } }, async (proxy) => {
      const started = Date.now();
      const delayed = probe(proxy.url(`${target.url}/ping`));
      assert.equal(await firstToFinish({ direct: probe(`${target.url}/ping`), delayed }), 'direct');
      assert.equal((await delayed).status, 200);
      assert.ok(Date.now() - started >= 295, 'answered before the added latency');
    });
  });

  it('caps bandwidth: 50 kB at 100 kB/s takes at least ~half a second', async () => {
    await withProxy(target.port, { bandwidthBytesPerSec: 100_000 }, async (proxy) => {
      const started = Date.now();
      const throttled = probe(proxy.url(`${target.url}/tools/execute`), { json: READ_FILE });
      const direct = probe(`${target.url}/tools/execute`, { json: READ_FILE });
      assert.equal(await firstToFinish({ direct, throttled }), 'direct');
      const result = await throttled;
      assert.equal(JSON.parse(result.body ?? '').result.content.length, FILE_BYTES);
      assert.ok(Date.now() - started >= 450, 'arrived faster than the bandwidth cap allows');
    });
  });
});

describe('fault spec schema', () => {
  it('accepts a full spec and refuses unknown keys and out-of-range values', () => {
    const full: FaultSpec = {
      latency: { ms: 100, jitterMs: 20 },
      resetFraction: 0.1,
      blackholeFraction: 0.1,
      bandwidthBytesPerSec: 1000,
      oscillation: { periodMs: 1000, failingFraction: 0.5, mode: 'blackhole' },
    };
    assert.deepEqual(faultSpecSchema.parse(full), full);
    for (const bad of [
      { resetFraction: 1.5 },
      { resetFraction: 0.6, blackholeFraction: 0.6 },
      { latency: { ms: -1 } },
      { latency: { ms: 10, extra: 1 } },
      { bandwidthBytesPerSec: 0 },
      { oscillation: { periodMs: 1000, failingFraction: 0.5, mode: 'explode' } },
      { toxic: 'slow_close' },
    ]) {
      assert.equal(faultSpecSchema.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it('refuses to start a proxy with an invalid spec', async () => {
    await assert.rejects(
      startFaultProxy({
        upstream: { host: '127.0.0.1', port: target.port },
        faults: { resetFraction: 2 } as FaultSpec,
      }),
    );
  });
});
