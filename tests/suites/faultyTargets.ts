/**
 * Reference targets with deliberate faults switched on, as child processes: a plain one, and a
 * supervised one that is started again whenever it exits, the way systemd or a container runtime
 * would, counting its crashes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { spawnTarget, type ChildTarget } from '../target/childTarget.js';

const CLI = fileURLToPath(new URL('../../target/cli.js', import.meta.url));
const START_TIMEOUT_MS = 10_000;

export async function withFaultyTarget<T>(
  args: readonly string[],
  body: (url: string) => Promise<T>,
): Promise<T> {
  const target: ChildTarget = await spawnTarget(args);
  try {
    return await body(target.url);
  } finally {
    await target.stop();
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function startOn(port: number, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, '--port', String(port), ...args], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!out.includes('listening on')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`supervised target did not start (exit ${child.exitCode})`);
    await sleep(20);
  }
  return child;
}

export interface SupervisedTarget {
  url: string;
  /** Exits other than the final stop. */
  crashes(): number;
}

/**
 * A target restarted on the same port `restartDelayMs` after each exit. The delay is longer than a
 * case needs to see the target gone, and the next case waits for it to be back (awaitAlive).
 */
export async function withSupervisedTarget<T>(
  args: readonly string[],
  restartDelayMs: number,
  body: (target: SupervisedTarget) => Promise<T>,
): Promise<T> {
  const port = await freePort();
  let crashes = 0;
  let stopping = false;
  let current = await startOn(port, args);
  let restarting: Promise<void> = Promise.resolve();
  const supervise = (child: ChildProcess) =>
    child.once('exit', () => {
      if (stopping) return;
      crashes += 1;
      restarting = sleep(restartDelayMs).then(async () => {
        if (stopping) return;
        current = await startOn(port, args);
        supervise(current);
      });
    });
  supervise(current);
  try {
    return await body({ url: `http://127.0.0.1:${port}`, crashes: () => crashes });
  } finally {
    stopping = true;
    await restarting.catch(() => undefined);
    if (current.exitCode === null && current.signalCode === null) {
      const exited = once(current, 'exit');
      current.kill('SIGTERM');
      await exited;
    }
  }
}
