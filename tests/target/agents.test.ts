import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withTarget } from './http.js';

const as = (agent: string) => ({ headers: { 'user-agent': `stampede/0.1.0 agent=${agent}` } });

describe('requests per agent in /admin/stats', () => {
  it('counts by the agent id in the User-Agent, and the rest under "unknown"', async () => {
    await withTarget({}, async (api) => {
      for (let i = 0; i < 3; i++) await api.send('GET', '/ping', as('local-1'));
      for (let i = 0; i < 2; i++) await api.send('GET', '/ping', as('host-b.2'));
      await api.send('GET', '/nope', as('local-1'));
      await api.get('/ping');
      await api.send('GET', '/ping', { headers: { 'user-agent': 'curl/8.0 agent=sneaky' } });
      await api.send('GET', '/ping', { headers: { 'user-agent': 'stampede/0.1.0 agent=bad/id' } });
      await api.send('GET', '/admin/stats', as('local-1'));
      const stats = (await api.get('/admin/stats')).json;
      assert.deepEqual(stats.byAgent, { 'local-1': 4, 'host-b.2': 2, unknown: 3 });
      assert.equal(stats.total, 9);
    });
  });

  it('keeps at most 1000 agent ids and counts the rest under "other"', async () => {
    await withTarget({}, async (api) => {
      for (let batch = 0; batch < 1010; batch += 101)
        await Promise.all(
          Array.from({ length: Math.min(101, 1010 - batch) }, (_, i) =>
            api.send('GET', '/ping', as(`a${batch + i}`)),
          ),
        );
      const { byAgent } = (await api.get('/admin/stats')).json;
      const values = Object.values(byAgent) as number[];
      assert.equal(
        values.reduce((s, n) => s + n, 0),
        1010,
      );
      assert.equal(byAgent.other, 10);
      assert.equal(Object.keys(byAgent).length, 1001);
    });
  });
});
