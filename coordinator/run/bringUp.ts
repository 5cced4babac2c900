/**
 * The cluster a run uses: the one at --nats, or the embedded default (nats-server on a kept
 * store, local agents, the reference target unless --target is given). Everything started here
 * is stopped by the clean-ups it adds.
 */
import path from 'node:path';
import type { ConnectOptions } from '../../shared/bus/connection.js';
import type { TlsFiles } from '../../shared/bus/security.js';
import { startEmbeddedCluster, startTargetChild } from '../cluster/embedded.js';
import type { RunRequest } from './request.js';

/** Where the embedded cluster keeps its JetStream store, so that a run can be resumed. */
export const STORE_DIR_NAME = '.stampede-store';

export function storeDirOf(request: Pick<RunRequest, 'storeDir' | 'reportsDir'>): string {
  return request.storeDir ?? path.join(request.reportsDir, STORE_DIR_NAME);
}

export interface ClusterWanted {
  natsUrl?: string;
  target?: string;
  storeDir: string;
  agents: number;
  thermalAgent: boolean;
  configFiles: string[];
  debug?: boolean;
  /** --tls-* files for a cluster at --nats. */
  tls?: TlsFiles;
  log: (line: string) => void;
}

export interface ClusterInUse {
  natsUrl: string;
  connection: Pick<ConnectOptions, 'credentials' | 'tls'>;
  /** The upstream fault proxy's control URL, when the reference service was started here. */
  upstreamControl?: string;
  target: string;
  /** The target is the reference target started here (a resume starts a new one). */
  embeddedTarget: boolean;
  /** The embedded cluster's kept store is in use: shards of earlier runs may still sit in it. */
  keptStore: boolean;
}

export async function bringUpCluster(
  wanted: ClusterWanted,
  cleanups: (() => Promise<void>)[],
): Promise<ClusterInUse> {
  const { log } = wanted;
  if (wanted.natsUrl) {
    if (wanted.target)
      return {
        natsUrl: wanted.natsUrl,
        connection: { tls: wanted.tls },
        target: wanted.target,
        embeddedTarget: false,
        keptStore: false,
      };
    const local = await startTargetChild(wanted.debug);
    cleanups.push(() => local.child.stop());
    log(
      `no --target given: started the reference target at ${local.url} (agents on other hosts cannot reach it; pass --target URL)`,
    );
    return {
      natsUrl: wanted.natsUrl,
      connection: { tls: wanted.tls },
      target: local.url,
      upstreamControl: local.upstreamControl,
      embeddedTarget: true,
      keptStore: false,
    };
  }
  log(
    `starting the embedded cluster: nats-server (store ${wanted.storeDir}), ${wanted.agents} local agent(s)${wanted.thermalAgent ? ', a thermal agent with a scripted sensor' : ''}${wanted.target ? '' : ', the reference target'}`,
  );
  const embedded = await startEmbeddedCluster({ ...wanted, target: !wanted.target });
  cleanups.push(() => embedded.stop());
  const target = wanted.target ?? embedded.targetUrl!;
  log(
    `embedded cluster: NATS ${embedded.natsUrl}${embedded.targetUrl ? `, target ${embedded.targetUrl}` : ''}`,
  );
  return {
    natsUrl: embedded.natsUrl,
    connection: embedded.connection,
    upstreamControl: embedded.upstreamControl,
    target,
    embeddedTarget: !wanted.target,
    keptStore: embedded.storeDir !== undefined,
  };
}
