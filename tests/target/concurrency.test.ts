import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_PROVIDERS } from '../../target/config.js';
import { hookTarget, type TargetClient } from './http.js';

let api: TargetClient;

// These cases test the session cap and the tool registry, not provider timeouts: 250 calls at once
// on a busy 2-core machine must not time out at the providers' default 0.5-1 s per attempt.
const patientProviders = DEFAULT_PROVIDERS.map((p) => ({ ...p, timeoutMs: 10_000 }));
hookTarget({ log: () => undefined, providers: patientProviders }, (_, a) => (api = a));

const execute = (tool: string, args: Record<string, unknown>) => api.post('/tools/execute', { tool, args });
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('tool registry under 100 concurrent calls', () => {
  it('loses no appends to one file', async () => {
    const lines = range(100).map((i) => `line-${String(i).padStart(3, '0')}-${'x'.repeat(200)}`);
    const answers = await Promise.all(
      lines.map((line) => execute('write_file', { path: 'log.txt', content: `${line}\n`, mode: 'append' })),
    );
    assert.ok(answers.every((a) => a.status === 200));
    const read = await execute('read_file', { path: 'log.txt' });
    const written = read.json.result.content.split('\n').filter(Boolean);
    assert.equal(written.length, 100);
    assert.deepEqual([...written].sort(), [...lines].sort());
  });

  it('loses no writes to 100 different files', async () => {
    const answers = await Promise.all(
      range(100).map((i) => execute('write_file', { path: `many/f${i}.txt`, content: `content ${i}` })),
    );
    assert.ok(answers.every((a) => a.status === 200));
    const reads = await Promise.all(range(100).map((i) => execute('read_file', { path: `many/f${i}.txt` })));
    assert.deepEqual(
      reads.map((r) => r.json.result.content),
      range(100).map((i) => `content ${i}`),
    );
    const listing = await execute('list_files', { path: 'many' });
    assert.equal(listing.json.result.entries.length, 100);
  });

  it('never shows a torn file while overwrites and reads race', async () => {
    const contentOf = (i: number): string => `${i}:`.repeat(2000 + i * 37);
    await execute('write_file', { path: 'race.txt', content: contentOf(0) });
    const calls = range(100).map((i) =>
      i % 2 === 0
        ? execute('write_file', { path: 'race.txt', content: contentOf(i) })
        : execute('read_file', { path: 'race.txt' }),
    );
    const answers = await Promise.all(calls);
    const valid = new Set(
      range(100)
        .filter((i) => i % 2 === 0)
        .map(contentOf),
    );
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      if (answer.json.tool === 'read_file')
        assert.ok(valid.has(answer.json.result.content), 'read a torn file');
    }
  });
});

describe('session cap under 250 concurrent new sessions', () => {
  it('never holds more than 100 live sessions', async () => {
    let sampling = true;
    const observed: number[] = [];
    const sampler = (async () => {
      while (sampling) observed.push((await api.get('/sessions')).json.live);
    })();
    const answers = await Promise.all(
      range(250).map((i) => api.post('/process', { prompt: `new session ${i}` })),
    );
    sampling = false;
    await sampler;
    assert.ok(answers.every((a) => a.status === 200 && a.json.sessionCreated === true));
    assert.equal(new Set(answers.map((a) => a.json.sessionId)).size, 250);
    const sessions = (await api.get('/sessions')).json;
    assert.equal(sessions.live, 100);
    assert.ok(sessions.peak <= 100, `peak ${sessions.peak}`);
    assert.equal(sessions.evictedTotal, 150);
    assert.ok(
      observed.length > 0 && observed.every((live) => live <= 100),
      `observed ${Math.max(...observed)}`,
    );
  });
});
