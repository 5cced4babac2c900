/**
 * A user's restart hook, as a command: stops the reference target whose pid is in DIR/pid (SIGKILL
 * when STAMPEDE_RESTART_HOW=kill, else SIGTERM), damages its state file when
 * STAMPEDE_CORRUPT_STATE asks, starts it again on the same port, state file and sandbox, and exits 0
 * once it listens. Also what a test uses to start the first one: `startDetachedTarget(dir, port)`.
 *
 *   node restartByCommand.js DIR
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const TARGET_CLI = fileURLToPath(new URL('../../target/cli.js', import.meta.url));
const WAIT_MS = 15_000;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts the target detached on `port` with DIR's state file and sandbox; resolves with its URL once it listens. */
export async function startDetachedTarget(dir: string, port: number): Promise<string> {
  mkdirSync(path.join(dir, 'sandbox'), { recursive: true });
  const out = path.join(dir, `out-${Date.now()}.log`);
  const child = spawn(
    process.execPath,
    [
      TARGET_CLI,
      '--port',
      String(port),
      '--state',
      path.join(dir, 'state.json'),
      '--sandbox',
      path.join(dir, 'sandbox'),
    ],
    { detached: true, stdio: ['ignore', openSync(out, 'w'), openSync(path.join(dir, 'err.log'), 'a')] },
  );
  child.unref();
  writeFileSync(path.join(dir, 'pid'), String(child.pid));
  writeFileSync(path.join(dir, 'port'), String(port));
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const match = /listening on (\S+)/.exec(readFileSync(out, 'utf8'));
    if (match) return match[1];
    await sleep(50);
  }
  throw new Error(`target did not listen within ${WAIT_MS} ms`);
}

async function restart(dir: string): Promise<void> {
  const pid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
  process.kill(pid, process.env.STAMPEDE_RESTART_HOW === 'kill' ? 'SIGKILL' : 'SIGTERM');
  const deadline = Date.now() + WAIT_MS;
  while (alive(pid) && Date.now() < deadline) await sleep(20);
  const state = path.join(dir, 'state.json');
  const damage = process.env.STAMPEDE_CORRUPT_STATE;
  if (damage === 'truncate' && existsSync(state)) truncateSync(state, Math.floor(statSync(state).size / 2));
  if (damage === 'garbage') writeFileSync(state, randomBytes(512));
  await startDetachedTarget(dir, Number(readFileSync(path.join(dir, 'port'), 'utf8')));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  restart(process.argv[2]).then(
    () => process.exit(0),
    (error: Error) => {
      process.stderr.write(`restart failed: ${error.message}\n`);
      process.exit(1);
    },
  );
}
