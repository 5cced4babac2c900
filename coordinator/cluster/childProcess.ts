/**
 * Child processes the coordinator starts (nats-server, agents, the reference target), stopped by
 * PID, and tied to the coordinator's life so that none outlives it, even a SIGKILL.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ManagedChild {
  name: string;
  process: ChildProcess;
  /** The last lines it wrote to stderr, for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

/**
 * Children run in their own process group: a terminal's Ctrl-C then reaches only the coordinator,
 * which stops them in order (agents store partial results before NATS goes away). Should the
 * coordinator die without cleaning up, the exit hook still kills them; and should it die without
 * running any hook (SIGKILL, OOM), the kernel does: children are started through util-linux
 * `setpriv --pdeathsig KILL` (prctl PR_SET_PDEATHSIG), which delivers SIGKILL to the child when
 * the coordinator dies. Agents also check their parent's PID (STAMPEDE_PARENT_PID), for systems
 * without setpriv.
 */
const living = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});

export function track(child: ChildProcess): void {
  living.add(child);
  child.once('exit', () => living.delete(child));
}

const SETPRIV = (process.env.PATH ?? '/usr/bin:/bin')
  .split(path.delimiter)
  .map((dir) => path.join(dir, 'setpriv'))
  .find((file) => process.platform === 'linux' && existsSync(file));

/** Whether children get the kernel's parent-death signal (setpriv is installed). */
export const PARENT_DEATH_SIGNAL = SETPRIV !== undefined;

/** Spawns `command` in its own process group, killed by the kernel when this process dies. */
export function spawnTied(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = SETPRIV
    ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args], { ...options, detached: true })
    : spawn(command, args, { ...options, detached: true });
  track(child);
  return child;
}

export function startChild(
  name: string,
  args: string[],
  options: { echo?: boolean; env?: NodeJS.ProcessEnv } = {},
): ManagedChild {
  const child = spawnTied(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...(options.env ?? process.env), STAMPEDE_PARENT_PID: String(process.pid) },
  });
  const lines: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 30) lines.shift();
      if (options.echo) process.stderr.write(`${line}\n`);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    process: child,
    tail: () => lines.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Resolves with the first stdout line matching `pattern`, or rejects when the child exits first. */
export function waitForLine(
  child: ManagedChild,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () => finish(new Error(`${child.name} did not start within ${timeoutMs} ms: ${child.tail()}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = buffer.match(pattern);
      if (match) finish(undefined, match);
    };
    const onExit = (code: number | null) =>
      finish(new Error(`${child.name} exited (code ${code}) before it was ready: ${child.tail()}`));
    function finish(error?: Error, match?: RegExpMatchArray) {
      clearTimeout(timer);
      child.process.stdout!.off('data', onData);
      child.process.off('exit', onExit);
      if (error) reject(error);
      else resolve(match!);
    }
    child.process.stdout!.on('data', onData);
    child.process.once('exit', onExit);
  });
}
