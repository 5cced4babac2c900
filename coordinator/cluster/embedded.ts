/**
 * The embedded default cluster for `run` and `load` without --nats: a real nats-server child on a
 * free port with a temporary store, local agents as child processes and, unless --target is
 * given, the bundled reference target. Everything started here is stopped by `stop()`, which the
 * CLI calls on success, failure and Ctrl-C alike.
 */
import os from 'node:os';
import path from 'node:path';
import { ClusterError } from '../../shared/errors.js';
import { PACKAGE_ROOT } from '../../shared/config/paths.js';
import { startChild, waitForLine, type ManagedChild } from './childProcess.js';
import { startNatsServer, type RunningNatsServer } from './natsServer.js';
import { layOutTopology, type ConnectOptions } from '../../shared/bus/connection.js';
import { embeddedUsers } from './embeddedUsers.js';

export interface EmbeddedOptions {
  agents: number;
  /** Start the reference target (when the user gave no --target). */
  target: boolean;
  /** Add a thermal agent with a scripted sensor (the selection includes the thermal suite). */
  thermalAgent?: boolean;
  debug?: boolean;
}

export interface EmbeddedCluster {
  natsUrl: string;
  /** The coordinator's per-run credentials (the server refuses anyone without a per-run user). */
  connection: Pick<ConnectOptions, 'credentials' | 'tls'>;
  targetUrl?: string;
  stop(): Promise<void>;
}

const DIST = path.join(PACKAGE_ROOT, 'dist');

/**
 * The embedded thermal agent's simulated sensor: every 15 s it runs cool, enters the throttle
 * band, crosses the block limit, holds between the limits, and cools below the resume limit.
 * Reports mark it as scripted; on the reference machine the real sensor is used instead.
 */
export const EMBEDDED_THERMAL_CURVE = '70@0,80@3s,86@6s,79@9s,73@12s,repeat@15s';

/** Starts the reference target as a child and returns its URL. */
export async function startTargetChild(debug = false): Promise<{ child: ManagedChild; url: string }> {
  const child = startChild('reference target', [path.join(DIST, 'target', 'cli.js'), '--port', '0'], {
    echo: debug,
  });
  const match = await waitForLine(child, /listening on (http:\/\/\S+)/, 15_000).catch(async (error) => {
    await child.stop();
    throw new ClusterError((error as Error).message, 'E_TARGET_START');
  });
  return { child, url: match[1] };
}

export async function startEmbeddedCluster(options: EmbeddedOptions): Promise<EmbeddedCluster> {
  const children: ManagedChild[] = [];
  let nats: RunningNatsServer | undefined;
  const stop = async () => {
    await Promise.all(children.map((c) => c.stop()));
    await nats?.stop();
  };
  try {
    const agentIds = Array.from({ length: options.agents }, (_, i) => `local-${i + 1}`);
    const users = embeddedUsers(options.thermalAgent ? [...agentIds, 'local-thermal'] : agentIds);
    nats = await startNatsServer({ extraConfig: users.authorization });
    // Laid out before the agents start: their users may only use the streams, not create them.
    await layOutTopology(nats.url, users.coordinator);
    let targetUrl: string | undefined;
    if (options.target) {
      const target = await startTargetChild(options.debug);
      children.push(target.child);
      targetUrl = target.url;
    }
    // Local agents share this machine's cores; one thread each leaves room for the target.
    const threads = Math.max(1, Math.floor(os.availableParallelism() / options.agents));
    for (let i = 1; i <= options.agents; i++) {
      children.push(
        startChild(
          `agent local-${i}`,
          [
            path.join(DIST, 'agent', 'cli.js'),
            'start',
            '--nats',
            nats.url,
            '--name',
            `local-${i}`,
            '--threads',
            String(threads),
          ],
          { echo: options.debug, env: users.agentEnv(`local-${i}`) },
        ),
      );
    }
    if (options.thermalAgent) {
      children.push(
        startChild(
          'agent local-thermal',
          [
            path.join(DIST, 'agent', 'cli.js'),
            'start',
            '--nats',
            nats.url,
            '--name',
            'local-thermal',
            '--threads',
            '1',
            '--thermal',
            '--thermal-source',
            `scripted:${EMBEDDED_THERMAL_CURVE}`,
          ],
          { echo: options.debug, env: users.agentEnv('local-thermal') },
        ),
      );
    }
    return { natsUrl: nats.url, connection: { credentials: users.coordinator, tls: {} }, targetUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
