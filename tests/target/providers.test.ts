import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { DEFAULT_PROVIDERS } from '../../target/config.js';
import { hookTarget, type TargetClient } from './http.js';

let api: TargetClient;

/** Short timeouts keep the timeout cases fast. */
const FAST_CHAIN = DEFAULT_PROVIDERS.map((p) => ({ ...p, timeoutMs: 100 }));

hookTarget({ providers: FAST_CHAIN, log: () => undefined }, (_, a) => (api = a));
beforeEach(async () => {
  for (const { name } of FAST_CHAIN) await api.post(`/admin/providers/${name}`, { state: 'up' });
  await api.post('/admin/primary', { provider: 'primary' });
});

const outcomes = (answer: { json: { attempts: { provider: string; outcome: string }[] } }): string[] =>
  answer.json.attempts.map((a) => `${a.provider}:${a.outcome}`);

describe('provider chain and admin', () => {
  it("lists the chain and each provider's health", async () => {
    const providers = await api.get('/providers');
    assert.deepEqual(providers.json.chain, ['primary', 'secondary', 'local']);
    const health = await api.get('/providers/health');
    assert.equal(health.json.healthy, true);
    assert.deepEqual(
      health.json.providers.map((p: { name: string; state: string; healthy: boolean }) => [
        p.name,
        p.state,
        p.healthy,
      ]),
      [
        ['primary', 'up', true],
        ['secondary', 'up', true],
        ['local', 'up', true],
      ],
    );
  });

  it('falls back past a provider marked down, and reports it unavailable', async () => {
    const marked = await api.post('/admin/providers/primary', { state: 'down' });
    assert.equal(marked.json.provider.available, false);
    const answer = await api.post('/process', { prompt: 'x' });
    assert.equal(answer.json.provider, 'secondary');
    assert.deepEqual(outcomes(answer), ['primary:down', 'secondary:ok']);
    const health = await api.get('/providers/health');
    assert.equal(health.json.providers[0].healthy, false);
  });

  it('falls back past a slow provider once it times out', async () => {
    await api.post('/admin/providers/primary', { state: 'slow', slowMs: 5000 });
    const answer = await api.post('/process', { prompt: 'x' });
    assert.equal(answer.json.provider, 'secondary');
    assert.deepEqual(outcomes(answer), ['primary:timeout', 'secondary:ok']);
  });

  it('answers 503 with every attempt when the whole chain is down', async () => {
    for (const { name } of FAST_CHAIN) await api.post(`/admin/providers/${name}`, { state: 'down' });
    const answer = await api.post('/process', { prompt: 'x' });
    assert.equal(answer.status, 503);
    assert.equal(answer.json.error, 'all_providers_failed');
    assert.deepEqual(outcomes(answer), ['primary:down', 'secondary:down', 'local:down']);
    assert.equal((await api.get('/providers/health')).json.healthy, false);
  });

  it('flaps between available and unavailable', async () => {
    await api.post('/admin/providers/primary', { state: 'flapping', periodMs: 40 });
    const seen = new Set<boolean>();
    for (let i = 0; i < 50 && seen.size < 2; i++) {
      const health = await api.get('/providers/health');
      seen.add(health.json.providers[0].available);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual([...seen].sort(), [false, true]);
  });

  it('switches the primary', async () => {
    const switched = await api.post('/admin/primary', { provider: 'local' });
    assert.deepEqual(switched.json.chain, ['local', 'primary', 'secondary']);
    assert.equal((await api.post('/process', { prompt: 'x' })).json.provider, 'local');
  });

  it('refuses unknown providers and bad state requests', async () => {
    assert.equal(
      (await api.post('/admin/providers/nobody', { state: 'down' })).json.error,
      'unknown_provider',
    );
    assert.equal((await api.post('/admin/primary', { provider: 'nobody' })).status, 404);
    assert.equal((await api.post('/admin/providers/primary', { state: 'sideways' })).status, 422);
    assert.equal((await api.post('/admin/providers/primary', { state: 'up', slowMs: 10 })).status, 422);
    assert.equal((await api.post('/admin/primary', { provider: 'Bad Name!' })).status, 422);
  });
});
