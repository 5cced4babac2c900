/**
 * Real processes for tests: the agent and coordinator CLIs exactly as a user starts them, each
 * stopped by its PID at the end of the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const AGENT_CLI = path.join(DIST, 'agent', 'cli.js');
export const COORDINATOR_CLI = path.join(DIST, 'coordinator', 'cli', 'main.js');

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves when the combined output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `node script args`; with `wrap`, under that command (e.g. `ip netns exec NAME`). */
export function startProcess(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  wrap: string[] = [],
): RunningProcess {
  const [command, ...prefix] = [...wrap, process.execPath];
  const child = spawn(command, [...prefix, script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null)
          throw new Error(`process exited (${child.exitCode}) before printing ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${output}`);
        await sleep(50);
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)]);
        if (code === 'timeout') {
          child.kill('SIGKILL');
          return exited;
        }
        return code;
      }
      return child.exitCode;
    },
  };
}

export async function startAgent(
  natsUrl: string,
  name: string,
  extra: string[] = [],
): Promise<RunningProcess> {
  const agent = startProcess(AGENT_CLI, [
    'start',
    '--nats',
    natsUrl,
    '--name',
    name,
    '--threads',
    '1',
    ...extra,
  ]);
  await agent.waitFor(/ready: \d+ threads/);
  return agent;
}

/** Runs the coordinator CLI to the end and returns its exit code and output. */
export async function runCoordinator(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 180_000,
): Promise<{ code: number | null; output: string; stdout: string }> {
  const child = spawn(process.execPath, [COORDINATOR_CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output, stdout };
}

/** `coordinator load` on agents already up on `natsUrl`, with a config file and a reports dir. */
export function loadWithAgents(options: {
  natsUrl: string;
  agents: number;
  file: string;
  dir: string;
  url: string;
  extra?: string[];
}) {
  const { natsUrl, agents, file, dir, url, extra = [] } = options;
  return runCoordinator([
    'load',
    '--nats',
    natsUrl,
    '--agents',
    String(agents),
    '--config',
    file,
    '--url',
    url,
    ...extra,
    '--reports-dir',
    dir,
  ]);
}

/** A temporary directory, and a config file in it layering `cluster` and `suites` over the defaults. */
export function tempConfig(content: object): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-test-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return { dir, file };
}

/** Cluster timings short enough for tests (the relations shared/config/cluster.ts checks hold). */
export const FAST_CLUSTER = {
  ackWaitMs: 3000,
  maxDeliver: 3,
  agentWaitMs: 15_000,
  missingAfterMs: 2500,
  leasePeriodMs: 500,
  leaseTimeoutMs: 2000,
  inProgressMs: 1000,
  progressIntervalMs: 500,
};

/** Live processes carrying `marker` in their environment: whatever a command started, however deep. */
export function processesMarked(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker))
        found.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/**
 * A `coordinator load` in the background with the fast test timings (or the cluster settings
 * given), returned once its shards (one per agent, or `shards`) are running and counting
 * operations. Its reports go to `dir`; `extra` flags are added as they are (e.g. `--rate 200`).
 */
export async function startBackgroundLoad(
  natsUrl: string,
  url: string,
  agents: number,
  connections: number,
  duration: string,
  options: { cluster?: object; extra?: string[]; shards?: number } = {},
): Promise<{ coordinator: RunningProcess; dir: string }> {
  const { dir, file } = tempConfig({ cluster: options.cluster ?? FAST_CLUSTER });
  const coordinator = startProcess(COORDINATOR_CLI, [
    'load',
    '--nats',
    natsUrl,
    '--agents',
    String(agents),
    '--config',
    file,
    '--url',
    url,
    '--connections',
    String(connections),
    '--duration',
    duration,
    '--reports-dir',
    dir,
    ...(options.extra ?? []),
  ]);
  try {
    const running = options.shards ?? agents;
    await coordinator.waitFor(new RegExp(`shards done, ${running} running, [1-9]\\d* ops`), 30_000);
  } catch (error) {
    await coordinator.stop('SIGKILL');
    throw error;
  }
  return { coordinator, dir };
}
