/**
 * The defect matrix: each switch plants the one defect its case exists to catch, and the defect
 * shows in what the target itself reports (its answers, /sessions, /providers, /config, its files,
 * /admin/memory, /admin/stats), next to the healthy target that does not show it.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { DEFAULT_PROVIDERS } from '../../target/config.js';
import { withTarget, type TargetClient } from './http.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** Providers that answer at once keep the many-operation cases short. */
const INSTANT = DEFAULT_PROVIDERS.map((p) => ({ ...p, latencyMs: { base: 0, jitter: 0 } }));

/** Heap after a GC the target performs, before and after `ops` prompts carrying a 4 KiB file each. */
async function heapGrowth(api: TargetClient, ops: number): Promise<number> {
  const request = { prompt: 'leak?', files: [{ name: 'payload.txt', content: 'p'.repeat(4096) }] };
  const batches = async (n: number) => {
    for (let i = 0; i < n; i += 10) await Promise.all(range(10).map(() => api.post('/process', request)));
  };
  // Warm-up: the session store fills to its cap and the heap settles before the first reading.
  await batches(600);
  const before = (await api.get('/admin/memory?gc=1')).json.heapUsedAfterGc;
  await batches(ops);
  const after = (await api.get('/admin/memory?gc=1')).json;
  assert.equal(typeof after.rss, 'number');
  return after.heapUsedAfterGc - before;
}

describe('--leak-bytes-per-request 4096', () => {
  it('shows as heap growth after GC of about 4 KiB per operation; a healthy target stays flat', async (t) => {
    let leaking = 0;
    let healthy = 0;
    await withTarget({ leakBytesPerRequest: 4096, providers: INSTANT }, async (api) => {
      leaking = await heapGrowth(api, 500);
    });
    await withTarget({ providers: INSTANT }, async (api) => {
      healthy = await heapGrowth(api, 500);
    });
    assert.ok(leaking >= 1.5 * 1024 * 1024, `leaking target grew ${leaking} bytes over 500 operations`);
    assert.ok(healthy < 1024 * 1024, `healthy target grew ${healthy} bytes over 500 operations`);
    t.diagnostic(`heap growth after GC over 500 operations: leaking ${leaking} B, healthy ${healthy} B`);
  });

  it('answers /admin/memory without a GC unless asked', async () => {
    await withTarget({}, async (api) => {
      const plain = (await api.get('/admin/memory')).json;
      assert.equal(plain.heapUsedAfterGc, undefined);
      assert.ok(plain.heapUsed > 0 && plain.rss > 0);
    });
  });
});

describe('--session-sweep-ms', () => {
  it('lets the live count pass the cap between sweeps, and peak keeps the high-water mark', async () => {
    await withTarget({ maxSessions: 5, sessionSweepMs: 1000 }, async (api) => {
      await Promise.all(range(20).map(() => api.post('/process', { prompt: 'new' })));
      const over = (await api.get('/sessions')).json;
      assert.ok(over.live > 5, `live ${over.live}`);
      assert.ok(over.peak >= over.live && over.peak >= 20, `peak ${over.peak}`);
      let after = over;
      const deadline = Date.now() + 5000;
      while (after.live > 5 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = (await api.get('/sessions')).json;
      }
      assert.equal(after.live, 5, 'the sweep brought the count back to the cap');
      assert.equal(after.peak, over.peak, 'peak is a high-water mark, not a current value');
    });
  });

  it('is never above the cap on a healthy target', async () => {
    await withTarget({ maxSessions: 5 }, async (api) => {
      await Promise.all(range(20).map(() => api.post('/process', { prompt: 'new' })));
      const sessions = (await api.get('/sessions')).json;
      assert.equal(sessions.live, 5);
      assert.equal(sessions.peak, 5);
    });
  });
});

describe('--session-leak-on-corrupt', () => {
  async function liveAfterCorruptRoundTrips(
    sessionLeakOnCorrupt: boolean,
  ): Promise<{ before: number; after: number }> {
    let result = { before: 0, after: 0 };
    await withTarget({ sessionLeakOnCorrupt }, async (api) => {
      const before = (await api.get('/sessions')).json.live;
      for (const i of range(5)) {
        const id = `fragile-${i}`;
        await api.post('/process', { prompt: 'one', sessionId: id });
        await api.post(`/admin/sessions/${id}/corrupt`);
        const next = await api.post('/process', { prompt: 'two', sessionId: id });
        assert.equal(next.json.sessionRecovered, true, 'the client sees a recovered session either way');
        assert.equal((await api.delete(`/sessions/${id}`)).status, 200);
      }
      result = { before, after: (await api.get('/sessions')).json.live };
    });
    return result;
  }

  it('keeps every corrupted session live after its id is deleted', async () => {
    const defective = await liveAfterCorruptRoundTrips(true);
    assert.equal(defective.after - defective.before, 5);
    const healthy = await liveAfterCorruptRoundTrips(false);
    assert.equal(healthy.after, healthy.before);
  });
});

describe('--ignore-primary-switch', () => {
  it('acknowledges a switch that the chain read back and the answers both deny', async () => {
    await withTarget({ ignorePrimarySwitch: true }, async (api) => {
      const switched = await api.post('/admin/primary', { provider: 'local' });
      assert.equal(switched.status, 200);
      assert.deepEqual(switched.json.chain, ['local', 'primary', 'secondary']);
      assert.deepEqual((await api.get('/providers')).json.chain, ['primary', 'secondary', 'local']);
      assert.equal((await api.post('/process', { prompt: 'x' })).json.provider, 'primary');
    });
    await withTarget({}, async (api) => {
      await api.post('/admin/primary', { provider: 'local' });
      assert.deepEqual((await api.get('/providers')).json.chain, ['local', 'primary', 'secondary']);
    });
  });
});

describe('--torn-tool-appends', () => {
  it('interleaves concurrent appends, so lines read back torn', async () => {
    await withTarget({ tornToolAppends: true }, async (api) => {
      const lines = range(100).map((i) => `line-${String(i).padStart(3, '0')}-${'x'.repeat(200)}`);
      const answers = await Promise.all(
        lines.map((line) =>
          api.post('/tools/execute', {
            tool: 'write_file',
            args: { path: 'log.txt', content: `${line}\n`, mode: 'append' },
          }),
        ),
      );
      assert.ok(
        answers.every((a) => a.status === 200),
        'every append claims success',
      );
      const read = await api.post('/tools/execute', { tool: 'read_file', args: { path: 'log.txt' } });
      const expected = new Set(lines);
      const torn = read.json.result.content.split('\n').filter((l: string) => l && !expected.has(l));
      assert.equal(
        read.json.result.bytes,
        lines.reduce((sum, l) => sum + l.length + 1, 0),
        'no byte is lost',
      );
      assert.ok(torn.length > 0, 'no torn line');
    });
  });
});

describe('--lose-state-on-restart', () => {
  it('forgets sessions and config over a restart', async () => {
    await withTarget({ loseStateOnRestart: true }, async (api) => {
      await api.post('/process', { prompt: 'a', sessionId: 'keep-me' });
      await api.post('/admin/primary', { provider: 'local' });
      const restart = await api.post('/admin/restart');
      assert.equal(restart.json.sessions, 0);
      assert.equal((await api.get('/sessions/keep-me')).status, 404);
      assert.deepEqual((await api.get('/providers')).json.chain, ['primary', 'secondary', 'local']);
    });
  });
});

describe('--echo-mangles-unicode', () => {
  it('mangles every non-ASCII echo and leaves ASCII alone', async () => {
    for (const [echoManglesUnicode, intact] of [
      [true, false],
      [false, true],
    ] as const) {
      await withTarget({ echoManglesUnicode }, async (api) => {
        for (const prompt of ['héllo', '日本語', '🚀 rocket', 'مرحبا']) {
          const answer = (await api.post('/process', { prompt })).json.answer;
          assert.equal(answer.includes(`"${prompt}"`), intact, `${prompt} -> ${answer}`);
        }
        assert.ok(
          (await api.post('/process', { prompt: 'plain ascii' })).json.answer.includes('"plain ascii"'),
        );
      });
    }
  });
});

describe('--accept-bad-config', () => {
  it('applies malformed documents, visible in GET /config, and keeps serving', async () => {
    await withTarget({ acceptBadConfig: true }, async (api) => {
      const before = (await api.get('/config')).json;
      const applied = await api.post('/config', { ...before.config, maxSessions: -1, debugBackdoor: true });
      assert.equal(applied.status, 200);
      const after = (await api.get('/config')).json;
      assert.equal(after.version, before.version + 1);
      assert.equal(after.config.maxSessions, -1);
      assert.equal(after.config.debugBackdoor, true);
      const wrongTypes = await api.post('/config', { ...before.config, providers: 'all of them' });
      assert.equal(wrongTypes.status, 200);
      assert.deepEqual((await api.get('/providers')).json.chain, [], 'no valid provider left in the chain');
      const answer = await api.post('/process', { prompt: 'x' });
      assert.equal(answer.status, 503);
      assert.equal(answer.json.error, 'all_providers_failed');
      assert.equal((await api.post('/config', [before.config])).status, 422, 'a non-object is still refused');
    });
  });
});

/** Opens `count` connections and keeps them until `release`; resolves with how many the target reset. */
async function holdConnections(port: number, count: number): Promise<{ reset: number; release(): void }> {
  const sockets = await Promise.all(
    range(count).map(
      () =>
        new Promise<{ socket: net.Socket; reset: boolean }>((resolve) => {
          const socket = net.connect({ host: '127.0.0.1', port });
          let reset = false;
          socket.on('error', () => (reset = true));
          socket.on('close', () => resolve({ socket, reset: true }));
          // Still open well after connecting: kept.
          socket.on('connect', () => setTimeout(() => !reset && resolve({ socket, reset: false }), 300));
        }),
    ),
  );
  return {
    reset: sockets.filter((s) => s.reset).length,
    release: () => {
      for (const { socket } of sockets) socket.destroy();
    },
  };
}

describe('--max-open-connections', () => {
  it('resets connections past N, and reports refused and peak counts in /admin/stats', async () => {
    await withTarget({ maxOpenConnections: 10 }, async (api) => {
      const port = Number(new URL(api.baseUrl).port);
      const held = await holdConnections(port, 30);
      held.release();
      assert.ok(held.reset >= 19, `${held.reset} of 30 reset`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { connections } = (await api.get('/admin/stats')).json;
      assert.equal(connections.limit, 10);
      assert.ok(connections.refused >= 19, JSON.stringify(connections));
      assert.ok(connections.peak <= 10, JSON.stringify(connections));
    });
  });

  it('counts every connection on a healthy target, refusing none', async () => {
    await withTarget({}, async (api) => {
      const port = Number(new URL(api.baseUrl).port);
      const held = await holdConnections(port, 30);
      held.release();
      assert.equal(held.reset, 0);
      const { connections } = (await api.get('/admin/stats')).json;
      assert.equal(connections.refused, 0);
      assert.equal(connections.limit, null);
      assert.ok(connections.peak >= 30, JSON.stringify(connections));
    });
  });
});
