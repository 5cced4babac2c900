/**
 * The embedded default cluster for `run`, `load` and `resume` without --nats: a real nats-server
 * child on a free port, local agents as child processes and, unless --target is given, the
 * bundled reference service (a supervised target whose providers go through the upstream fault
 * proxy: referenceStack.ts). Its JetStream store is kept in a known directory (by default
 * `reports/.stampede-store`), so that a run whose coordinator died can be resumed there. Every
 * child is tied to the coordinator's life (childProcess.ts); `stop()` ends them in order, and the
 * CLI calls it on success, failure and Ctrl-C alike.
 */
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../shared/config/paths.js';
import { ClusterError } from '../../shared/errors.js';
import { startChild, type ManagedChild } from './childProcess.js';
import { layOutTopology, type ConnectOptions } from '../../shared/bus/connection.js';
import { embeddedUsers } from './embeddedUsers.js';
import { startNatsServer, type RunningNatsServer } from './natsServer.js';
import { startReferenceStack } from './referenceStack.js';
import { lockStore } from './storeLock.js';

export interface AgentSet {
  agents: number;
  /** Add a thermal agent with a scripted sensor (the selection includes the thermal suite). */
  thermalAgent?: boolean;
  /** Config files the coordinator layered over the defaults; local agents read the same. */
  configFiles: string[];
}

export interface EmbeddedOptions extends AgentSet {
  /** Start the reference target (when the user gave no --target). */
  target: boolean;
  /** The JetStream store to keep (and resume from); taken by another live run: a temporary one. */
  storeDir: string;
  debug?: boolean;
  log: (line: string) => void;
}

export interface EmbeddedCluster {
  natsUrl: string;
  /** The coordinator's per-run credentials (the server refuses anyone without a per-run user). */
  connection: Pick<ConnectOptions, 'credentials' | 'tls'>;
  targetUrl?: string;
  /** The upstream fault proxy's control URL, when the reference target was started. */
  upstreamControl?: string;
  /** The store in use, or undefined when another run held the wanted one (not resumable). */
  storeDir?: string;
  /** Why the wanted store is not in use. */
  storeRefusal?: string;
  /** Starts the reference service; its URLs are also kept in `targetUrl` and `upstreamControl`. */
  addTarget(): Promise<string>;
  addAgents(set: AgentSet): void;
  stop(): Promise<void>;
}

const DIST = path.join(PACKAGE_ROOT, 'dist');

/**
 * The embedded thermal agent's simulated sensor: every 15 s it runs cool, enters the throttle
 * band, crosses the block limit, holds between the limits, and cools below the resume limit.
 * Reports mark it as scripted; on the reference machine the real sensor is used instead.
 */
export const EMBEDDED_THERMAL_CURVE = '70@0,80@3s,86@6s,79@9s,73@12s,repeat@15s';

/**
 * Starts the reference service (upstream stand-ins behind their fault proxy, and the supervised
 * target) and returns the target's URL and the proxy's control URL.
 */
export async function startTargetChild(
  debug = false,
): Promise<{ child: Pick<ManagedChild, 'stop'>; url: string; upstreamControl: string }> {
  const stack = await startReferenceStack({ debug });
  return { child: { stop: stack.stop }, url: stack.targetUrl, upstreamControl: stack.upstreamControl };
}

function agentArgs(natsUrl: string, name: string, threads: number, set: AgentSet, extra: string[] = []) {
  return [
    path.join(DIST, 'agent', 'cli.js'),
    'start',
    '--nats',
    natsUrl,
    '--name',
    name,
    '--threads',
    String(threads),
    ...extra,
    ...set.configFiles.flatMap((f) => ['--config', f]),
  ];
}

/**
 * Local agents that may join: each gets a per-run user of its own, so the server must know them
 * when it starts (a resume learns its agent count only after reading the run from the store).
 */
const MAX_LOCAL_AGENTS = 32;

function localAgentIds(agents = 0): string[] {
  const count = Math.max(agents, MAX_LOCAL_AGENTS);
  return [...Array.from({ length: count }, (_, i) => `local-${i + 1}`), 'local-thermal'];
}

/** The embedded nats-server on its store; the target and agents are added once it is up. */
export async function startEmbeddedNats(
  storeDir: string,
  options: { debug?: boolean; agents?: number },
): Promise<EmbeddedCluster> {
  const children: ManagedChild[] = [];
  let nats: RunningNatsServer | undefined;
  const lock = lockStore(storeDir);
  const stop = async () => {
    await Promise.all(children.map((c) => c.stop()));
    await nats?.stop({ keepStore: lock.held });
    lock.release();
  };
  const users = embeddedUsers(localAgentIds(options.agents));
  try {
    nats = await startNatsServer({
      storeDir: lock.held ? storeDir : undefined,
      extraConfig: users.authorization,
    });
    // Laid out before the agents start: their users may only use the streams, not create them.
    await layOutTopology(nats.url, users.coordinator);
  } catch (error) {
    await stop();
    throw error;
  }
  lock.note(nats.pid);
  const natsUrl = nats.url;
  const cluster: EmbeddedCluster = {
    natsUrl,
    connection: { credentials: users.coordinator, tls: {} },
    storeDir: lock.held ? storeDir : undefined,
    storeRefusal: lock.reason,
    async addTarget() {
      const stack = await startReferenceStack({ debug: options.debug });
      children.push(...stack.children);
      cluster.upstreamControl = stack.upstreamControl;
      return (cluster.targetUrl = stack.targetUrl);
    },
    addAgents(set) {
      const child = (name: string, args: string[]) =>
        startChild(`agent ${name}`, args, { echo: options.debug, env: users.agentEnv(name) });
      const allowed = localAgentIds(options.agents).length - 1;
      if (set.agents > allowed)
        throw new ClusterError(
          `this embedded cluster has users for ${allowed} local agents, not ${set.agents}`,
        );
      // Local agents share this machine's cores; one thread each leaves room for the target.
      const threads = Math.max(1, Math.floor(os.availableParallelism() / set.agents));
      for (let i = 1; i <= set.agents; i++)
        children.push(child(`local-${i}`, agentArgs(natsUrl, `local-${i}`, threads, set)));
      if (set.thermalAgent) {
        const thermal = ['--thermal', '--thermal-source', `scripted:${EMBEDDED_THERMAL_CURVE}`];
        children.push(child('local-thermal', agentArgs(natsUrl, 'local-thermal', 1, set, thermal)));
      }
    },
    stop,
  };
  return cluster;
}

export async function startEmbeddedCluster(options: EmbeddedOptions): Promise<EmbeddedCluster> {
  const cluster = await startEmbeddedNats(options.storeDir, options);
  if (cluster.storeRefusal)
    options.log(`${cluster.storeRefusal}: this run uses a temporary store and cannot be resumed`);
  try {
    if (options.target) await cluster.addTarget();
    cluster.addAgents(options);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
