import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { startTarget, type RunningTarget } from '../../target/server.js';
import { probeMany, tally, withProxy } from './probe.js';

let target: RunningTarget;
before(async () => {
  target = await startTarget({ log: () => undefined });
});
after(async () => {
  await target.close();
});

async function targetTotal(): Promise<number> {
  const response = await request(`${target.url}/admin/stats`);
  return ((await response.body.json()) as { total: number }).total;
}

describe('fault proxy fractions', () => {
  it('resets 30% ± 5 points of 1,000 connections, and counts them as the client saw them', async () => {
    await withProxy(
      target.port,
      { resetFraction: 0.3 },
      async (proxy) => {
        const counts = tally(await probeMany(proxy.url(`${target.url}/ping`), 1000, 25));
        assert.equal(counts.reset + counts.ok, 1000, JSON.stringify(counts));
        assert.ok(counts.reset >= 250 && counts.reset <= 350, `${counts.reset} resets of 1000`);
        const stats = proxy.stats();
        assert.equal(stats.accepted, 1000);
        assert.equal(stats.reset, counts.reset);
        assert.equal(stats.passed, counts.ok);
      },
      42,
    );
  });

  it('repeats the same fates for the same seed, and others for another seed', async () => {
    const run = (seed: number) =>
      withProxy(
        target.port,
        { resetFraction: 0.3 },
        (proxy) => probeMany(proxy.url(`${target.url}/ping`), 100, 1),
        seed,
      );
    const [first, again, other] = [await run(7), await run(7), await run(8)];
    assert.deepEqual(again, first);
    assert.notDeepEqual(other, first);
  });

  it('ends blackholed requests as client timeouts, never reaching the target', async () => {
    await withProxy(
      target.port,
      { blackholeFraction: 1 },
      async (proxy) => {
        const before = await targetTotal();
        const client = new Agent({ headersTimeout: 200, bodyTimeout: 200 });
        try {
          const attempts = Array.from({ length: 5 }, () =>
            request(proxy.url(`${target.url}/ping`), { dispatcher: client }),
          );
          await Promise.all(
            attempts.map((attempt) => assert.rejects(attempt, { code: 'UND_ERR_HEADERS_TIMEOUT' })),
          );
        } finally {
          await client.destroy();
        }
        assert.ok(proxy.stats().blackholed >= 1);
        assert.equal(proxy.stats().passed, 0);
        assert.equal(await targetTotal(), before);
      },
      1,
    );
  });

  it('splits connections between pass, reset and blackhole as configured', async () => {
    await withProxy(
      target.port,
      { resetFraction: 0.2, blackholeFraction: 0.3 },
      async (proxy) => {
        const counts = tally(await probeMany(proxy.url(`${target.url}/ping`), 200, 50, 1000));
        const stats = proxy.stats();
        assert.equal(counts.ok, stats.passed);
        assert.equal(counts.reset, stats.reset);
        assert.equal(counts.timeout, stats.blackholed);
        assert.equal(counts.error, 0);
        assert.ok(stats.reset > 20 && stats.blackholed > 30 && stats.passed > 60, JSON.stringify(stats));
      },
      3,
    );
  });
});
