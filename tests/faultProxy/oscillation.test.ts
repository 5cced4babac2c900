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

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fault proxy oscillation', () => {
  it('fails every connection when the failing window is the whole period, none when it is empty', async () => {
    await withProxy(
      target.port,
      { oscillation: { periodMs: 1000, failingFraction: 1, mode: 'reset' } },
      async (proxy) => {
        assert.deepEqual(tally(await probeMany(proxy.url(`${target.url}/ping`), 20, 5)), {
          ok: 0,
          reset: 20,
          timeout: 0,
          error: 0,
        });
      },
    );
    await withProxy(
      target.port,
      { oscillation: { periodMs: 1000, failingFraction: 0, mode: 'reset' } },
      async (proxy) => {
        assert.deepEqual(tally(await probeMany(proxy.url(`${target.url}/ping`), 20, 5)), {
          ok: 20,
          reset: 0,
          timeout: 0,
          error: 0,
        });
      },
    );
  });

  it('alternates between healthy and failing windows', async () => {
    await withProxy(
      target.port,
      { oscillation: { periodMs: 100, failingFraction: 0.5, mode: 'reset' } },
      async (proxy) => {
        const seen = { ok: 0, reset: 0 };
        for (let round = 0; round < 40 && (seen.ok === 0 || seen.reset === 0); round++) {
          const counts = tally(await probeMany(proxy.url(`${target.url}/ping`), 1, 1));
          seen.ok += counts.ok;
          seen.reset += counts.reset;
          await pause(15);
        }
        assert.ok(seen.ok > 0 && seen.reset > 0, JSON.stringify(seen));
      },
    );
  });

  it('cuts kept-alive connections that send during a failing window', async () => {
    await withProxy(
      target.port,
      { oscillation: { periodMs: 150, failingFraction: 0.5, mode: 'reset' } },
      async (proxy) => {
        const client = new Agent({ connections: 1 });
        try {
          for (let i = 0; i < 40 && proxy.stats().interrupted === 0; i++) {
            await request(proxy.url(`${target.url}/ping`), { dispatcher: client }).then(
              (response) => response.body.dump(),
              () => undefined,
            );
            await pause(10);
          }
        } finally {
          await client.destroy();
        }
        assert.ok(proxy.stats().interrupted > 0, JSON.stringify(proxy.stats()));
      },
    );
  });

  it('holds connections without answering in blackhole mode', async () => {
    await withProxy(
      target.port,
      { oscillation: { periodMs: 1000, failingFraction: 1, mode: 'blackhole' } },
      async (proxy) => {
        assert.deepEqual(tally(await probeMany(proxy.url(`${target.url}/ping`), 5, 5, 100)), {
          ok: 0,
          reset: 0,
          timeout: 5,
          error: 0,
        });
        assert.equal(proxy.stats().blackholed, 5);
      },
    );
  });
});
