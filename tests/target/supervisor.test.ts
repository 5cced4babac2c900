/**
 * The supervisor: a real child process that exits (asked to, killed, or crashing) and is started
 * again on the same port and state file; what survives is what the state file held.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSupervisedTarget, type SupervisedOptions } from '../../target/supervisor.js';
import { TargetClient, withTarget } from './http.js';

const CLI = fileURLToPath(new URL('../../target/cli.js', import.meta.url));
const RESTART_WAIT_MS = 15_000;

/** Polls /admin/stats until a process with another pid answers; resolves with its stats. */
// biome-ignore lint/suspicious/noExplicitAny: the stats JSON is read field by field
async function nextProcess(api: TargetClient, previousPid: number): Promise<any> {
  const deadline = Date.now() + RESTART_WAIT_MS;
  while (Date.now() < deadline) {
    const stats = await api.get('/admin/stats').catch(() => undefined);
    if (stats?.status === 200 && stats.json.process.pid !== previousPid) return stats.json;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no new target process within ${RESTART_WAIT_MS} ms`);
}

async function withSupervised(
  options: SupervisedOptions,
  body: (api: TargetClient, target: Awaited<ReturnType<typeof startSupervisedTarget>>) => Promise<void>,
): Promise<void> {
  const target = await startSupervisedTarget({ restartDelayMs: 50, log: () => undefined, ...options });
  // One connection per request: the old process's keep-alive sockets die with it.
  const api = new TargetClient(target.url);
  try {
    await body(api, target);
  } finally {
    await api.close();
    await target.close();
  }
}

/** A session and a config change the restarted process should know about. */
async function leaveState(api: TargetClient): Promise<void> {
  assert.equal((await api.post('/process', { prompt: 'remember me', sessionId: 'survivor' })).status, 200);
  assert.equal((await api.post('/admin/primary', { provider: 'local' })).status, 200);
}

describe('supervised target', () => {
  it('exits when asked, comes back as a new process on the same port, with its state', async () => {
    await withSupervised({}, async (api, target) => {
      const first = (await api.get('/admin/stats')).json.process;
      assert.deepEqual([first.supervised, first.processStarts, first.lastExit], [true, 1, null]);
      assert.equal(first.pid, target.pid());
      await leaveState(api);
      const asked = await api.post('/admin/restart-process');
      assert.equal(asked.status, 202);
      assert.equal(asked.json.pid, first.pid);
      const stats = await nextProcess(api, first.pid);
      assert.equal(stats.process.processStarts, 2);
      assert.deepEqual(
        { code: stats.process.lastExit.code, requested: stats.process.lastExit.requested },
        { code: 75, requested: true },
      );
      assert.equal(target.processStarts(), 2);
      assert.equal((await api.get('/sessions/survivor')).json.turns, 1);
      assert.deepEqual((await api.get('/providers')).json.chain, ['local', 'primary', 'secondary']);
      assert.equal((await api.get('/admin/state')).json.lastLoad.status, 'loaded');
    });
  });

  it('detects a state file corrupted on the way out, and starts clean', async () => {
    await withSupervised({}, async (api) => {
      const { pid } = (await api.get('/admin/stats')).json.process;
      await leaveState(api);
      assert.equal((await api.post('/admin/restart-process', { corruptState: 'garbage' })).status, 202);
      await nextProcess(api, pid);
      const { lastLoad } = (await api.get('/admin/state')).json;
      assert.equal(lastLoad.status, 'corrupt');
      assert.ok(lastLoad.setAside.includes('.corrupt-'));
      assert.equal((await api.get('/sessions/survivor')).status, 404);
      assert.equal((await api.post('/process', { prompt: 'still works' })).status, 200);
    });
  });

  it('is started again after a kill, by the target itself or through the supervisor', async () => {
    await withSupervised({}, async (api, target) => {
      const first = (await api.get('/admin/stats')).json.process.pid;
      assert.equal((await api.post('/admin/restart-process', { how: 'kill' })).status, 202);
      const second = await nextProcess(api, first);
      assert.equal(second.process.lastExit.signal, 'SIGKILL');
      assert.equal(second.process.lastExit.requested, false);
      target.kill();
      const third = await nextProcess(api, second.process.pid);
      assert.equal(third.process.processStarts, 3);
      assert.equal(target.lastExit()?.signal, 'SIGKILL');
    });
  });

  it('loses its state over a real restart with --lose-state-on-restart', async () => {
    await withSupervised({ loseStateOnRestart: true }, async (api) => {
      const { pid } = (await api.get('/admin/stats')).json.process;
      await leaveState(api);
      await api.post('/admin/restart-process');
      await nextProcess(api, pid);
      assert.equal((await api.get('/sessions/survivor')).status, 404);
      assert.deepEqual((await api.get('/providers')).json.chain, ['primary', 'secondary', 'local']);
    });
  });

  it('refuses invalid options before starting anything', async () => {
    await assert.rejects(startSupervisedTarget({ maxSessions: 0 }), /maxSessions/);
    await assert.rejects(startSupervisedTarget({ restartDelayMs: -1 }), /restartDelayMs/);
  });

  it('is refused on a target without a supervisor', async () => {
    await withTarget({}, async (api) => {
      const answer = await api.post('/admin/restart-process');
      assert.equal(answer.status, 409);
      assert.equal(answer.json.error, 'not_supervised');
    });
  });
});

/** Starts `stampede-target --supervised ...args` and resolves with its URL once it printed it. */
async function spawnSupervisor(args: readonly string[]) {
  const supervisor = spawn(
    process.execPath,
    [CLI, '--supervised', '--restart-delay-ms', '50', '--port', '0', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = once(supervisor, 'exit');
  let out = '';
  supervisor.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const deadline = Date.now() + RESTART_WAIT_MS;
  while (!out.includes('\n') && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const url = /^stampede-target listening on (\S+)\n$/.exec(out)?.[1];
  if (!url) supervisor.kill('SIGKILL');
  assert.ok(url, `stdout: ${out}`);
  return { supervisor, exited, url, stdout: () => out };
}

async function gone(pid: number): Promise<boolean> {
  const deadline = Date.now() + RESTART_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe('stampede-target --supervised', () => {
  it('takes its child down when the supervisor itself is killed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'stampede-supervisor-test-'));
    try {
      const { supervisor, exited, url } = await spawnSupervisor([
        '--state',
        path.join(dir, 'state.json'),
        '--sandbox',
        path.join(dir, 'sandbox'),
      ]);
      const api = new TargetClient(url);
      const { pid } = (await api.get('/admin/stats')).json.process;
      await api.close();
      supervisor.kill('SIGKILL');
      await exited;
      assert.ok(await gone(pid), 'the child outlived its killed supervisor');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('prints one listening line, restarts its child, and takes the child with it on SIGTERM', async () => {
    const { supervisor, exited, url, stdout } = await spawnSupervisor([]);
    let childPid = 0;
    try {
      const api = new TargetClient(url);
      const first = (await api.get('/admin/stats')).json.process;
      assert.equal(first.supervisorPid, supervisor.pid);
      await api.post('/admin/restart-process');
      childPid = (await nextProcess(api, first.pid)).process.pid;
      await api.close();
      assert.equal(
        stdout(),
        `stampede-target listening on ${url}\n`,
        'a restart prints nothing more to stdout',
      );
    } finally {
      supervisor.kill('SIGTERM');
    }
    assert.equal((await exited)[0], 0);
    assert.ok(await gone(childPid), 'the child outlived its supervisor');
  });
});
