/** Child processes the coordinator starts (agents, the reference target), stopped by PID. */
import { spawn, type ChildProcess } from 'node:child_process';
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
 * coordinator die without cleaning up, the exit hook still kills them.
 */
const living = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});

export function track(child: ChildProcess): void {
  living.add(child);
  child.once('exit', () => living.delete(child));
}

export function startChild(
  name: string,
  args: string[],
  options: { echo?: boolean; env?: NodeJS.ProcessEnv } = {},
): ManagedChild {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: options.env ?? process.env,
  });
  track(child);
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
