/**
 * The reference target's retry, fallback and circuit breaking over real HTTP, with the faults on
 * the path to its upstreams; and the switches that take retry or fallback away.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PROVIDERS } from '../../target/config.js';
import { promptsAnswered, withUpstreamRig } from './upstreams.js';

const PROMPTS = 200;
const CONCURRENCY = 10;
/** Short per-attempt timeouts keep the blackhole cases fast. */
const FAST_CHAIN = DEFAULT_PROVIDERS.map((p) => ({ ...p, timeoutMs: 250 }));

type Trail = { provider: string; outcome: string }[];
const trail = (attempts: Trail) => attempts.map((a) => `${a.provider}:${a.outcome}`);

async function successUnder30PercentFailures(
  noProviderRetry: boolean,
): Promise<{ answered: number; faulted: number }> {
  let result = { answered: 0, faulted: 0 };
  await withUpstreamRig({ noProviderRetry }, async ({ api, control }) => {
    await control.post('/faults', { failProbability: 0.3 });
    const answered = await promptsAnswered(api, PROMPTS, CONCURRENCY);
    const { proxies } = (await control.get('/proxies')).json;
    const faulted = proxies.reduce(
      (sum: number, p: { counts: { failed: number } }) => sum + p.counts.failed,
      0,
    );
    result = { answered, faulted };
  });
  return result;
}

describe('intermittent upstream failures (30% of requests on the path to every provider)', () => {
  it('are absorbed by retries; without them, success drops', async () => {
    const healthy = await successUnder30PercentFailures(false);
    const defective = await successUnder30PercentFailures(true);
    // The faults happened on both runs, counted by the proxy itself.
    assert.ok(healthy.faulted >= 30, `healthy run: ${healthy.faulted} faulted requests`);
    assert.ok(defective.faulted >= 30, `defective run: ${defective.faulted} faulted requests`);
    assert.ok(
      healthy.answered >= 0.9 * PROMPTS,
      `retrying target answered ${healthy.answered} of ${PROMPTS}`,
    );
    assert.ok(
      defective.answered < 0.8 * PROMPTS,
      `--no-provider-retry answered ${defective.answered} of ${PROMPTS}`,
    );
  });

  it('are retried on the same provider before any fallback', async () => {
    await withUpstreamRig({}, async ({ api, control }) => {
      await control.post('/proxies/primary/faults', { resetProbability: 0.5 });
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => api.post('/process', { prompt: 'x' })),
      );
      const retried = answers.filter((a) => a.json.attempts.some((x: { try: number }) => x.try > 1));
      assert.ok(retried.length > 0, 'no request needed a retry');
      for (const answer of retried) {
        const [first, second] = answer.json.attempts;
        assert.deepEqual([first.provider, first.outcome, second.provider], ['primary', 'reset', 'primary']);
      }
    });
  });
});

describe('a provider that stops answering (blackholed on the upstream path)', () => {
  it('times out, trips its circuit, and the chain falls back', async () => {
    await withUpstreamRig({ providers: FAST_CHAIN }, async ({ api, control }) => {
      await control.post('/proxies/primary/faults', { blackholeProbability: 1 });
      const first = [];
      for (let i = 0; i < 3; i++) first.push(await api.post('/process', { prompt: 'x' }));
      for (const answer of first) {
        assert.equal(answer.status, 200);
        assert.deepEqual(trail(answer.json.attempts), ['primary:timeout', 'secondary:ok']);
      }
      // Three timeouts in a row opened the primary's circuit: it is skipped at no cost.
      const next = await api.post('/process', { prompt: 'x' });
      assert.deepEqual(trail(next.json.attempts), ['primary:open', 'secondary:ok']);
      const primary = (await api.get('/providers/health')).json.providers[0];
      assert.equal(primary.circuit, 'open');
      assert.equal(primary.available, false);
      assert.equal(primary.calls.timeout, 3);
    });
  });

  it('fails every request with --no-fallback', async () => {
    await withUpstreamRig({ providers: FAST_CHAIN, noFallback: true }, async ({ api, control }) => {
      await control.post('/proxies/primary/faults', { blackholeProbability: 1 });
      for (let i = 0; i < 4; i++) {
        const answer = await api.post('/process', { prompt: 'x' });
        assert.equal(answer.status, 503);
        assert.equal(answer.json.error, 'provider_failed');
        assert.equal(answer.json.attempts.length, 1);
        assert.equal(answer.json.attempts[0].provider, 'primary');
      }
      assert.equal(
        (await api.get('/providers/health')).json.providers[1].calls.ok,
        0,
        'the fallback was never asked',
      );
      // With the fault gone and the circuit reset, the same target answers again.
      await control.delete('/faults');
      await api.post('/admin/providers/primary', { state: 'up' });
      assert.equal((await api.post('/process', { prompt: 'x' })).status, 200);
    });
  });

  it('recovers through a half-open trial once the upstream is back', async () => {
    await withUpstreamRig({ providers: FAST_CHAIN }, async ({ api, control }) => {
      await control.post('/proxies/primary/faults', { blackholeProbability: 1 });
      for (let i = 0; i < 3; i++) await api.post('/process', { prompt: 'x' });
      await control.delete('/proxies/primary/faults');
      let provider = '';
      const deadline = Date.now() + 5000;
      while (provider !== 'primary' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        provider = (await api.post('/process', { prompt: 'x' })).json.provider;
      }
      assert.equal(provider, 'primary', 'the primary never came back');
      assert.equal((await api.get('/providers/health')).json.providers[0].circuit, 'closed');
    });
  });
});
