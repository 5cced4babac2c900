/**
 * The embedded default cluster for `run` and `load` without --nats: a real nats-server child on a
 * free port with a temporary store, local agents as child processes and, unless --target is
 * given, the bundled reference service (a supervised target whose providers go through the
 * upstream fault proxy: referenceStack.ts). Everything started here is stopped by `stop()`, which
 * the CLI calls on success, failure and Ctrl-C alike.
 */
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../shared/config/paths.js';
import { startChild, type ManagedChild } from './childProcess.js';
import { startNatsServer, type RunningNatsServer } from './natsServer.js';
import { startReferenceStack } from './referenceStack.js';

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
  targetUrl?: string;
  /** The upstream fault proxy's control URL, when the reference target was started. */
  upstreamControl?: string;
  stop(): Promise<void>;
}

const DIST = path.join(PACKAGE_ROOT, 'dist');

/**
 * The embedded thermal agent's simulated sensor: every 15 s it runs cool, enters the throttle
 * band, crosses the block limit, holds between the limits, and cools below the resume limit.
 * Reports mark it as scripted; on the reference machine the real sensor is used instead.
 */
export const EMBEDDED_THERMAL_CURVE = '70@0,80@3s,86@6s,79@9s,73@12s,repeat@15s';

export async function startEmbeddedCluster(options: EmbeddedOptions): Promise<EmbeddedCluster> {
  const children: ManagedChild[] = [];
  let nats: RunningNatsServer | undefined;
  const stop = async () => {
    await Promise.all(children.map((c) => c.stop()));
    await nats?.stop();
  };
  try {
    nats = await startNatsServer();
    let targetUrl: string | undefined;
    let upstreamControl: string | undefined;
    if (options.target) {
      const stack = await startReferenceStack({ debug: options.debug });
      children.push(...stack.children);
      ({ targetUrl, upstreamControl } = stack);
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
          { echo: options.debug },
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
          { echo: options.debug },
        ),
      );
    }
    return { natsUrl: nats.url, targetUrl, upstreamControl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
