/** What the shard lifecycle needs from the daemon that runs it. */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Piscina } from 'piscina';
import type { RejectedMessages, ShardAssign } from '../../shared/protocol/index.js';
import type { ControlBlock } from '../shm/controlBlock.js';
import type { StopWord } from '../shm/stopWord.js';
import type { ThermalWindowCloser } from '../thermal/hooks.js';
import type { RunLeases } from './leases.js';

export interface AgentIdentity {
  agentId: string;
  session: string;
}

/** How an attempt rides out faults: the shard's own timings, else the agent's configured ones. */
export type AttemptTimings = NonNullable<ShardAssign['timings']>;

export interface ShardRunnerDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  pool: Piscina;
  control: ControlBlock;
  leases: RunLeases;
  rejected: RejectedMessages;
  identity: AgentIdentity;
  /** The agent's cluster settings, for shards that do not carry their own timings. */
  timings: AttemptTimings;
  /** Opens a thermal recording window for a shard, when the agent has a sensor. */
  thermalWindow?: (fromMs: number) => ThermalWindowCloser;
  /** Stop words of admitted shards, so the agent can stop them all on shutdown. */
  running: Set<StopWord>;
  /** Hosts shards may send load to; a shard aimed elsewhere fails without sending anything. */
  allowedTargetHosts: ReadonlySet<string>;
  /** An empty encoded histogram, for results of shards that never ran. */
  emptyHistogram: string;
  log: (line: string) => void;
}

export function timingsOf(deps: ShardRunnerDeps, shard: ShardAssign): AttemptTimings {
  return { ...deps.timings, ...shard.timings };
}
