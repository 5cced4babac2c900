import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { startTarget } from '../../target/server.js';
import { hookTarget, TargetClient } from './http.js';

const quiet = (): void => undefined;
let api: TargetClient;

hookTarget({ maxBodyBytes: 64 * 1024, log: quiet }, (_, a) => (api = a));

describe('liveness and routing', () => {
  it('answers / and /ping with a tiny JSON body', async () => {
    for (const path of ['/', '/ping']) {
      const answer = await api.get(path);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { ok: true });
    }
  });

  it('answers an unknown path with 404 and a wrong method with 405 and Allow', async () => {
    const missing = await api.get('/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error, 'not_found');
    const wrong = await api.delete('/ping');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'GET');
    assert.deepEqual(wrong.json.allowed, ['GET']);
  });
});

describe('POST /process', () => {
  it('answers through the primary, creates a session and continues it', async () => {
    const first = await api.post('/process', { prompt: 'hello' });
    assert.equal(first.status, 200);
    assert.equal(first.json.provider, 'primary');
    assert.equal(first.json.sessionCreated, true);
    assert.equal(first.json.turn, 1);
    assert.deepEqual(
      first.json.attempts.map((a: { outcome: string }) => a.outcome),
      ['ok'],
    );
    const second = await api.post('/process', { prompt: 'again', sessionId: first.json.sessionId });
    assert.equal(second.json.sessionId, first.json.sessionId);
    assert.equal(second.json.sessionCreated, false);
    assert.equal(second.json.turn, 2);
  });

  it('accepts a client-chosen session id and attached text and binary files', async () => {
    const binary = Buffer.from([0, 1, 2, 255, 254]);
    const answer = await api.post('/process', {
      prompt: 'summarise ✓ 日本語',
      sessionId: 'my-session_1',
      files: [
        { name: 'a.txt', content: 'abc' },
        { name: 'b.bin', content: binary.toString('base64'), encoding: 'base64' },
      ],
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.json.sessionId, 'my-session_1');
    assert.deepEqual(answer.json.files, [
      { name: 'a.txt', bytes: 3, sha256: createHash('sha256').update('abc').digest('hex') },
      { name: 'b.bin', bytes: 5, sha256: createHash('sha256').update(binary).digest('hex') },
    ]);
  });

  it('refuses bad base64, files over the limit, and bodies without a prompt', async () => {
    const badBase64 = await api.post('/process', {
      prompt: 'x',
      files: [{ name: 'f', content: '@@@', encoding: 'base64' }],
    });
    assert.equal(badBase64.status, 422);
    assert.equal(badBase64.json.error, 'invalid_base64');
    const tooBig = await api.post('/process', {
      prompt: 'x',
      files: [{ name: 'f', content: 'a'.repeat(64 * 1024 + 1) }],
    });
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.json.error, 'files_too_large');
    const noPrompt = await api.post('/process', { sessionId: 'abc' });
    assert.equal(noPrompt.status, 422);
    assert.equal(noPrompt.json.error, 'validation_failed');
    assert.equal(noPrompt.json.issues[0].path, 'prompt');
  });
});

describe('sessions', () => {
  it('shows, counts and deletes a session', async () => {
    await api.post('/process', { prompt: 'x', sessionId: 'to-delete' });
    const shown = await api.get('/sessions/to-delete');
    assert.equal(shown.status, 200);
    assert.equal(shown.json.turns, 1);
    const counts = await api.get('/sessions');
    assert.equal(counts.json.max, 100);
    assert.equal(counts.json.cleanup, true);
    assert.ok(counts.json.live >= 1);
    assert.equal((await api.delete('/sessions/to-delete')).json.deleted, true);
    assert.equal((await api.get('/sessions/to-delete')).status, 404);
    assert.equal((await api.delete('/sessions/to-delete')).json.error, 'session_not_found');
    assert.equal((await api.get('/sessions/bad%20id')).json.error, 'invalid_session_id');
    assert.equal((await api.get('/sessions/%E0%A4%A')).json.error, 'invalid_url');
  });

  it('evicts the least recently used session at the cap', async () => {
    const small = await startTarget({ maxSessions: 3, log: quiet });
    const client = new TargetClient(small.url);
    try {
      for (const id of ['a', 'b', 'c', 'a', 'd'])
        await client.post('/process', { prompt: 'x', sessionId: id });
      const live = await Promise.all(
        ['a', 'b', 'c', 'd'].map(async (id) => (await client.get(`/sessions/${id}`)).status),
      );
      assert.deepEqual(live, [200, 404, 200, 200]);
      assert.equal((await client.get('/sessions')).json.evictedTotal, 1);
    } finally {
      await client.close();
      await small.close();
    }
  });

  it('detects a corrupted session and resets it instead of serving it', async () => {
    await api.post('/process', { prompt: 'one', sessionId: 'fragile' });
    await api.post('/process', { prompt: 'two', sessionId: 'fragile' });
    assert.equal((await api.post('/admin/sessions/fragile/corrupt')).json.corrupted, true);
    const next = await api.post('/process', { prompt: 'three', sessionId: 'fragile' });
    assert.equal(next.json.sessionRecovered, true);
    assert.equal(next.json.turn, 1);
    assert.equal((await api.post('/admin/sessions/nobody/corrupt')).status, 404);
  });
});

describe('tools', () => {
  it('lists the tools', async () => {
    const answer = await api.get('/tools');
    assert.deepEqual(
      answer.json.tools.map((t: { name: string }) => t.name),
      ['read_file', 'write_file', 'list_files', 'cpu_hash'],
    );
  });

  it('writes, appends, reads and lists files in the sandbox', async () => {
    const write = await api.post('/tools/execute', {
      tool: 'write_file',
      args: { path: 'docs/a.txt', content: 'one\n' },
    });
    assert.equal(write.status, 200);
    assert.deepEqual(write.json.result, { path: 'docs/a.txt', bytesWritten: 4, size: 4 });
    await api.post('/tools/execute', {
      tool: 'write_file',
      args: { path: 'docs/a.txt', content: 'two\n', mode: 'append' },
    });
    const read = await api.post('/tools/execute', { tool: 'read_file', args: { path: 'docs/a.txt' } });
    assert.equal(read.json.result.content, 'one\ntwo\n');
    const list = await api.post('/tools/execute', { tool: 'list_files', args: { path: 'docs' } });
    assert.deepEqual(list.json.result.entries, [{ name: 'a.txt', type: 'file' }]);
    const binary = Buffer.from([0xff, 0x00, 0x80]).toString('base64');
    await api.post('/tools/execute', {
      tool: 'write_file',
      args: { path: 'b.bin', content: binary, encoding: 'base64' },
    });
    const readBinary = await api.post('/tools/execute', {
      tool: 'read_file',
      args: { path: 'b.bin', encoding: 'base64' },
    });
    assert.equal(readBinary.json.result.content, binary);
  });

  it('runs the CPU-bound tool deterministically', async () => {
    const answer = await api.post('/tools/execute', {
      tool: 'cpu_hash',
      args: { iterations: 2, input: 'abc' },
    });
    const once = createHash('sha256').update('abc').digest();
    assert.equal(answer.json.result.digest, createHash('sha256').update(once).digest('hex'));
  });

  it('refuses unknown tools, bad arguments, escapes and missing files', async () => {
    const cases: [unknown, number, string][] = [
      [{ tool: 'rm_rf', args: {} }, 404, 'unknown_tool'],
      [{ tool: 'cpu_hash', args: { iterations: 10_000_000 } }, 422, 'invalid_tool_args'],
      [{ tool: 'read_file', args: { path: '../../etc/passwd' } }, 403, 'path_outside_sandbox'],
      [{ tool: 'read_file', args: { path: '/etc/passwd' } }, 403, 'path_outside_sandbox'],
      [{ tool: 'read_file', args: { path: 'a\u0000b' } }, 400, 'invalid_path'],
      [{ tool: 'read_file', args: { path: 'missing.txt' } }, 404, 'file_not_found'],
      [{ tool: 'read_file', args: { path: 'docs' } }, 409, 'not_a_file'],
      [
        { tool: 'write_file', args: { path: 'big', content: 'x'.repeat(64 * 1024 + 1) } },
        413,
        'file_too_large',
      ],
    ];
    for (const [body, status, error] of cases) {
      const answer = await api.post('/tools/execute', body);
      assert.equal(answer.status, status, JSON.stringify(body).slice(0, 80));
      assert.equal(answer.json.error, error);
    }
  });
});

describe('config', () => {
  it('applies a valid document and keeps the old one when a document is malformed', async () => {
    const before = await api.get('/config');
    assert.equal(before.status, 200);
    const next = { ...before.json.config, maxSessions: 150 };
    const applied = await api.post('/config', next);
    assert.equal(applied.status, 200);
    assert.equal(applied.json.version, before.json.version + 1);

    const malformed = [
      { ...next, maxSessions: -1 },
      { ...next, providers: [] },
      { ...next, providers: [next.providers[0], next.providers[0]] },
      { ...next, surprise: true },
      { maxSessions: 10 },
    ];
    for (const document of malformed) {
      const answer = await api.post('/config', document);
      assert.equal(answer.status, 422);
      assert.equal(answer.json.error, 'invalid_config');
      assert.ok(answer.json.message.length > 0);
    }
    const after = await api.get('/config');
    assert.equal(after.json.version, applied.json.version);
    assert.equal(after.json.config.maxSessions, 150);
    await api.post('/config', before.json.config);
  });
});

describe('observability', () => {
  it('exposes Prometheus metrics', async () => {
    await api.get('/ping');
    const answer = await api.get('/metrics');
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    for (const family of [
      'stampede_target_requests_total{method="GET",route="/ping",status="200"}',
      'stampede_target_sessions_live ',
      'stampede_target_provider_healthy{provider="primary",state="up"} 1',
      'process_resident_memory_bytes ',
      'nodejs_heap_used_bytes ',
    ]) {
      assert.ok(answer.text.includes(family), `metrics lack ${family}`);
    }
  });

  it('counts every request except its own in /admin/stats', async () => {
    const fresh = await startTarget({ log: quiet });
    const client = new TargetClient(fresh.url);
    try {
      for (let i = 0; i < 7; i++) await client.get('/ping');
      await client.get('/nope');
      await client.get('/admin/stats');
      const stats = (await client.get('/admin/stats')).json;
      assert.equal(stats.total, 8);
      assert.equal(
        stats.perSecond.reduce((sum: number, s: { n: number }) => sum + s.n, 0),
        8,
      );
      assert.deepEqual(stats.byRoute['GET /ping'], { total: 7, byStatus: { '200': 7 } });
      assert.deepEqual(stats.byRoute['GET unmatched'], { total: 1, byStatus: { '404': 1 } });
      assert.equal(stats.byRoute['GET /admin/stats'], undefined);
    } finally {
      await client.close();
      await fresh.close();
    }
  });
});

describe('runtime fault switches', () => {
  it('shows and changes them, refusing unknown or out-of-range values', async () => {
    const changed = await api.post('/admin/faults', { slowMs: 1 });
    assert.equal(changed.status, 200);
    assert.equal(changed.json.slowMs, 1);
    assert.equal((await api.get('/admin/faults')).json.slowMs, 1);
    assert.equal((await api.post('/admin/faults', { slowMs: -5 })).status, 422);
    assert.equal((await api.post('/admin/faults', { explode: true })).status, 422);
    await api.post('/admin/faults', { slowMs: 0 });
  });
});
