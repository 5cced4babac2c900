import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { withTarget } from './http.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'stampede-state-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts a target on `stateFile`, runs `body` against it, closes both, and returns the log lines. */

async function seedState(stateFile: string): Promise<void> {
  await withTarget({ stateFile }, async (api) => {
    for (const id of ['s1', 's2', 's3'])
      assert.equal((await api.post('/process', { prompt: 'hi', sessionId: id })).status, 200);
  });
}

describe('state file at start', () => {
  it('recovers sessions from a sound file', async () => {
    const file = path.join(dir, 'sound.json');
    await seedState(file);
    await withTarget({ stateFile: file }, async (api) => {
      const state = await api.get('/admin/state');
      assert.equal(state.json.lastLoad.status, 'loaded');
      assert.equal((await api.get('/sessions')).json.live, 3);
      assert.equal((await api.get('/sessions/s2')).json.turns, 1);
    });
  });

  for (const [kind, damage] of [
    ['garbage', (file: string) => writeFile(file, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x7b]))],
    ['truncated', async (file: string) => truncate(file, Math.floor((await readFile(file)).length / 2))],
    [
      'hand-edited',
      async (file: string) => writeFile(file, (await readFile(file, 'utf8')).replace('"s2"', '"s9"')),
    ],
    ['empty', (file: string) => writeFile(file, '')],
  ] as const) {
    it(`sets a ${kind} file aside, warns, and starts clean`, async () => {
      const file = path.join(dir, `${kind}.json`);
      await seedState(file);
      await damage(file);
      const damaged = await readFile(file);
      const lines = await withTarget({ stateFile: file }, async (api) => {
        const { lastLoad } = (await api.get('/admin/state')).json;
        assert.equal(lastLoad.status, 'corrupt');
        assert.ok(lastLoad.reason.length > 0);
        assert.deepEqual(await readFile(lastLoad.setAside), damaged);
        assert.equal((await api.get('/sessions')).json.live, 0);
        assert.equal((await api.post('/process', { prompt: 'still works' })).status, 200);
      });
      assert.ok(
        lines.some((line) => line.includes('warning') && line.includes('corrupt')),
        lines.join('\n'),
      );
      // The clean start wrote a sound file: the next start loads it.
      await withTarget({ stateFile: file }, async (api) => {
        assert.equal((await api.get('/admin/state')).json.lastLoad.status, 'loaded');
      });
    });
  }
});

describe('admin restart', () => {
  it('recovers sessions, config and provider modes in process', async () => {
    await withTarget({ stateFile: path.join(dir, 'restart.json') }, async (api) => {
      await api.post('/process', { prompt: 'a', sessionId: 'keep-me' });
      await api.post('/admin/providers/secondary', { state: 'down' });
      await api.post('/admin/primary', { provider: 'local' });
      const configVersion = (await api.get('/config')).json.version;
      const restart = await api.post('/admin/restart');
      assert.equal(restart.status, 200);
      assert.equal(restart.json.lastLoad.status, 'loaded');
      assert.equal(restart.json.sessions, 1);
      assert.equal(restart.json.configVersion, configVersion);
      assert.equal((await api.get('/sessions/keep-me')).json.turns, 1);
      assert.deepEqual((await api.get('/providers')).json.chain, ['local', 'primary', 'secondary']);
      assert.equal((await api.get('/providers/health')).json.providers[2].state, 'down');
    });
  });

  for (const corruptState of ['garbage', 'truncate'] as const) {
    it(`detects a ${corruptState} state file on restart and starts clean`, async () => {
      await withTarget({ stateFile: path.join(dir, `restart-${corruptState}.json`) }, async (api) => {
        await api.post('/process', { prompt: 'a', sessionId: 'lost' });
        await api.post('/admin/primary', { provider: 'local' });
        const restart = await api.post('/admin/restart', { corruptState });
        assert.equal(restart.json.lastLoad.status, 'corrupt');
        assert.equal(restart.json.sessions, 0);
        assert.deepEqual((await api.get('/providers')).json.chain, ['primary', 'secondary', 'local']);
        assert.equal((await api.post('/process', { prompt: 'b' })).status, 200);
      });
    });
  }

  it('refuses an unknown corruption kind', async () => {
    await withTarget({ stateFile: path.join(dir, 'restart-bad.json') }, async (api) => {
      assert.equal((await api.post('/admin/restart', { corruptState: 'fire' })).status, 422);
    });
  });
});
