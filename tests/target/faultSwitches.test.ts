import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { startTarget } from '../../target/server.js';
import { spawnTarget } from './childTarget.js';
import { TargetClient, withTarget, type Answer } from './http.js';

const MiB = 1024 * 1024;

function metric(metricsText: string, name: string): number {
  const line = metricsText.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `no metric ${name}`);
  return Number(line.slice(name.length + 1));
}

/** Resolves with the label of whichever request answers first. */
function firstToAnswer(requests: Record<string, Promise<Answer>>): Promise<string> {
  return Promise.race(Object.entries(requests).map(([label, answer]) => answer.then(() => label)));
}

describe('--leak-bytes-per-request', () => {
  it('shows in /metrics RSS, and only with the switch on', async () => {
    const rssGrowth = async (args: string[]): Promise<{ rss: number; leaked: number }> => {
      const child = await spawnTarget(args);
      const api = new TargetClient(child.url);
      try {
        const before = metric((await api.get('/metrics')).text, 'process_resident_memory_bytes');
        for (let i = 0; i < 64; i++) assert.equal((await api.get('/ping')).status, 200);
        const after = (await api.get('/metrics')).text;
        return {
          rss: metric(after, 'process_resident_memory_bytes') - before,
          leaked: metric(after, 'stampede_target_leaked_bytes'),
        };
      } finally {
        await api.close();
        await child.stop();
      }
    };
    const [leaking, healthy] = await Promise.all([
      rssGrowth(['--leak-bytes-per-request', String(MiB)]),
      rssGrowth([]),
    ]);
    assert.equal(leaking.leaked, 64 * MiB);
    assert.ok(leaking.rss >= 48 * MiB, `RSS grew only ${leaking.rss} bytes`);
    assert.equal(healthy.leaked, 0);
    assert.ok(healthy.rss < 48 * MiB, `RSS grew ${healthy.rss} bytes without the leak`);
  });
});

describe('--no-session-cleanup', () => {
  it('lets the live count pass the cap, and cleanup comes back when switched off', async () => {
    await withTarget({ maxSessions: 5, noSessionCleanup: true }, async (api) => {
      for (let i = 0; i < 12; i++) await api.post('/process', { prompt: 'x' });
      const sessions = (await api.get('/sessions')).json;
      assert.equal(sessions.live, 12);
      assert.equal(sessions.cleanup, false);
      assert.equal(metric((await api.get('/metrics')).text, 'stampede_target_sessions_live'), 12);
      await api.post('/admin/faults', { noSessionCleanup: false });
      assert.equal((await api.get('/sessions')).json.live, 5);
    });
  });

  it('keeps the count at the cap without the switch', async () => {
    await withTarget({ maxSessions: 5 }, async (api) => {
      for (let i = 0; i < 12; i++) await api.post('/process', { prompt: 'x' });
      assert.equal((await api.get('/sessions')).json.live, 5);
    });
  });
});

describe('--crash-on-malformed', () => {
  it('answers good requests, then dies on the first malformed one', async () => {
    const child = await spawnTarget(['--crash-on-malformed']);
    const api = new TargetClient(child.url);
    try {
      assert.equal((await api.post('/process', { prompt: 'fine' })).status, 200);
      const malformed = request(`${child.url}/process`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{not json',
      });
      await assert.rejects(malformed);
      const { code } = await child.exited;
      assert.equal(code, 70);
      assert.match(child.stderr(), /crash-on-malformed/);
    } finally {
      await api.close();
      await child.stop();
    }
  });

  it('can be switched on at run time', async () => {
    const child = await spawnTarget([]);
    try {
      await request(`${child.url}/admin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ crashOnMalformed: true }),
      }).then((r) => r.body.dump());
      await assert.rejects(
        request(`${child.url}/config`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'x',
        }),
      );
      assert.equal((await child.exited).code, 70);
    } finally {
      await child.stop();
    }
  });
});

describe('--provider-fail-rate', () => {
  it('makes every answer come from the fallback at rate 1', async () => {
    await withTarget({ providerFailRates: { primary: 1 } }, async (api) => {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => api.post('/process', { prompt: 'x' })),
      );
      let failedCalls = 0;
      for (const answer of answers) {
        assert.equal(answer.json.provider, 'secondary');
        const trail = answer.json.attempts.map(
          (a: { provider: string; outcome: string }) => `${a.provider}:${a.outcome}`,
        );
        // The primary fails each try it gets (up to three) until its circuit opens, then the fallback answers.
        assert.equal(trail.at(-1), 'secondary:ok', trail.join(' '));
        const primary = trail.slice(0, -1);
        assert.ok(primary.length >= 1 && primary.length <= 3, trail.join(' '));
        assert.ok(
          primary.every((t: string) => t === 'primary:failed' || t === 'primary:open'),
          trail.join(' '),
        );
        failedCalls += primary.filter((t: string) => t === 'primary:failed').length;
      }
      assert.ok(failedCalls >= 3, `${failedCalls} failed calls opened the circuit`);
      const health = (await api.get('/providers/health')).json.providers[0];
      assert.equal(health.failRate, 1);
      assert.equal(health.calls.failed, failedCalls);
      assert.equal(health.calls.ok, 0);
      assert.notEqual(health.circuit, 'closed');
    });
  });

  it('makes about half the calls to the provider fail at rate 0.5', async () => {
    await withTarget({ providerFailRates: { primary: 0.5 } }, async (api) => {
      const answers = await Promise.all(
        Array.from({ length: 200 }, () => api.post('/process', { prompt: 'x' })),
      );
      assert.ok(answers.every((a) => a.status === 200));
      const byPrimary = answers.filter((a) => a.json.provider === 'primary').length;
      const bySecondary = answers.filter((a) => a.json.provider === 'secondary').length;
      assert.equal(byPrimary + bySecondary, 200);
      assert.ok(byPrimary > 0 && bySecondary > 0, `${byPrimary} by primary, ${bySecondary} fell back`);
      const { calls } = (await api.get('/providers/health')).json.providers[0];
      const share = calls.failed / (calls.failed + calls.ok);
      assert.ok(calls.failed + calls.ok >= 100, JSON.stringify(calls));
      assert.ok(share > 0.35 && share < 0.65, `${calls.failed} of ${calls.failed + calls.ok} calls failed`);
    });
  });
});

describe('--slow-ms', () => {
  it('delays every non-admin request, and a normal target answers first', async () => {
    const slow = await startTarget({ slowMs: 500, log: () => undefined });
    const normal = await startTarget({ log: () => undefined });
    const slowApi = new TargetClient(slow.url);
    const normalApi = new TargetClient(normal.url);
    try {
      const started = Date.now();
      const slowPing = slowApi.get('/ping');
      const first = await firstToAnswer({ normal: normalApi.get('/ping'), slow: slowPing });
      assert.equal(first, 'normal');
      await slowPing;
      assert.ok(Date.now() - started >= 495, 'the slow target answered early');
      // Admin routes stay fast, so a slowed target can still be steered.
      assert.equal(
        await firstToAnswer({ admin: slowApi.get('/admin/faults'), ping: slowApi.get('/ping') }),
        'admin',
      );
      await slowApi.post('/admin/faults', { slowMs: 0 });
      assert.equal(
        await firstToAnswer({ unslowed: slowApi.get('/ping'), normal: sleepThen(500, normalApi) }),
        'unslowed',
      );
    } finally {
      await Promise.all([slowApi.close(), normalApi.close()]);
      await Promise.all([slow.close(), normal.close()]);
    }
  });
});

async function sleepThen(ms: number, api: TargetClient): Promise<Answer> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return api.get('/ping');
}
