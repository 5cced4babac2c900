/**
 * The parts of a stampede cluster started inside network-namespace hosts (tests/helpers/netns.ts):
 * nats-server, agents and coordinators as their CLIs, and a target that counts per source address.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startNatsServer, type RunningNatsServer } from '../../coordinator/cluster/natsServer.js';
import { createNetns, type Host, type Netns } from './netns.js';
import { AGENT_CLI, COORDINATOR_CLI, DIST, startProcess, type RunningProcess } from './processes.js';
import type { SourceCount, SourceStats } from './sourceCountingTarget.js';

export const CONTROL = 'control';
export const LOAD = 'load';

/**
 * The hosts every namespace test uses: nats-server and the coordinator on the control network,
 * the target on the load network, and each named agent on both.
 */
export function createLoadHosts(agents: readonly string[]): Netns {
  return createNetns(
    [
      { name: CONTROL, subnet: '10.213.0' },
      { name: LOAD, subnet: '10.213.1' },
    ],
    [
      { name: 'nats', networks: [CONTROL] },
      { name: 'coord', networks: [CONTROL] },
      ...agents.map((name) => ({ name, networks: [CONTROL, LOAD] })),
      { name: 'target', networks: [LOAD] },
    ],
  );
}

export function startNatsIn(host: Host): Promise<RunningNatsServer> {
  return startNatsServer({ host: host.address[CONTROL], wrap: host.wrap });
}

export async function startAgentIn(
  host: Host,
  natsUrl: string,
  extra: string[] = [],
): Promise<RunningProcess> {
  const agent = startProcess(
    AGENT_CLI,
    ['start', '--nats', natsUrl, '--name', host.name, ...extra],
    {},
    host.wrap,
  );
  await agent.waitFor(/ready: \d+ threads/, 60_000);
  return agent;
}

export function startCoordinatorIn(host: Host, args: string[]): RunningProcess {
  return startProcess(COORDINATOR_CLI, args, {}, host.wrap);
}

export interface SourceTarget {
  url: string;
  stats(): Promise<SourceStats>;
  /** Requests from one host (by its load-network address). */
  from(stats: SourceStats, host: Host): SourceCount;
  stop(): Promise<void>;
}

/** Starts the per-source counting target on the host's load-network address. */
export async function startSourceTarget(host: Host, delayMs = 0): Promise<SourceTarget> {
  const script = path.join(DIST, 'tests', 'helpers', 'sourceCountingTarget.js');
  const [command, ...prefix] = [...host.wrap, process.execPath];
  const child = spawn(
    command,
    [...prefix, script, '--host', host.address[LOAD], '--delay-ms', String(delayMs)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const waiters: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiters.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiters.push(resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await Promise.race([next(), exited.then(() => 'exited')]);
  const url = /listening on (\S+)/.exec(first)?.[1];
  if (!url) throw new Error(`the counting target did not start: ${first}`);
  return {
    url,
    async stats() {
      const reply = next();
      child.stdin!.write('stats\n');
      return JSON.parse((await reply).replace(/^stats /, '')) as SourceStats;
    },
    from(stats, from) {
      return stats.bySource[from.address[LOAD]] ?? { count: 0, first: 0, last: 0, seconds: {} };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Requests in the whole seconds strictly after `fromMs` and up to `toMs`. */
export function countBetween(source: SourceCount, fromMs: number, toMs: number): number {
  let n = 0;
  for (const [second, count] of Object.entries(source.seconds))
    if (Number(second) * 1000 > fromMs && Number(second) * 1000 + 999 <= toMs) n += count;
  return n;
}
