/**
 * The agent daemon: joins the roster (announce + heartbeat in the agents bucket), pulls the shards
 * the coordinator placed on it from its own work consumer while it has free pool threads, and runs each through
 * the shard lifecycle (`shard/lifecycle.ts`). Shutdown stops pulling, stops running shards at their next operation,
 * stores their partial results and hands the deliveries back to JetStream.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { Piscina } from 'piscina';
import { awaitAgentConsumer, awaitTopology, connectBus, onReconnect } from '../shared/bus/connection.js';
import { agentInboxPrefix } from '../shared/bus/permissions.js';
import type { TlsFiles } from '../shared/bus/security.js';
import type { ClusterSettings } from '../shared/config/config.js';
import { CATALOGUE_HASH, type Capability } from '../shared/model/catalogue.js';
import { createMergeHistogram, encodeHistogram } from '../shared/metrics/histogram.js';
import { PROTOCOL_VERSION, RejectedMessages, encode, type Announce } from '../shared/protocol/index.js';
import { createControlBlock, type ControlBlock } from './shm/controlBlock.js';
import { readHostFacts, type HostFacts } from './hostInfo.js';
import { RunLeases } from './shard/leases.js';
import { ThreadSlots } from './threadSlots.js';
import { INSTALLED_SCENARIOS } from './scenarios/index.js';
import type { ShardRunnerDeps } from './shard/deps.js';
import { runDeliveredShard } from './shard/lifecycle.js';
import { STOP_REASONS, requestStop, type StopWord } from './shm/stopWord.js';
import type { ThermalHooks } from './thermal/hooks.js';
import { pullShards } from './pullLoop.js';

export interface AgentOptions {
  natsUrl: string;
  /** TLS files; without them the STAMPEDE_NATS_TLS_* variables apply. */
  tls?: TlsFiles;
  name?: string;
  threads?: number;
  /** How much load per thread the planner gives this machine relative to others (default 1). */
  weight?: number;
  /** The config's cluster section: heartbeat period, reconnect policy, fault timings. */
  cluster: ClusterSettings;
  /** Given when the agent has a working sensor: it then claims the `thermal` capability. */
  thermal?: (control: ControlBlock) => Promise<ThermalHooks>;
  /**
   * With `thermal`: also take general (`http`) shards. Without it a thermal agent announces only
   * the thermal capability, so the coordinator places thermal work only on the reference machine.
   */
  general?: boolean;
  /** Hosts besides loopback that shards may target. */
  allowTargets?: string[];
  log?: (line: string) => void;
}

/** How long a stopping agent tries to leave the roster and flush before it just closes. */
const LEAVE_MS = 3000;

/** Loopback is always allowed; anything else must be named with --allow-target. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]', '::1'];

const newSession = () => randomBytes(6).toString('hex');

function sanitizeId(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 48) || 'agent';
}

export class AgentDaemon {
  readonly agentId: string;
  /** A new one after every reconnect: what the agent did before a partition is another incarnation's. */
  session = newSession();
  readonly threads: number;
  private readonly log: (line: string) => void;
  private nc?: NatsConnection;
  private deps?: ShardRunnerDeps;
  private kv?: KV;
  private pool?: Piscina;
  private thermal?: ThermalHooks;
  private facts?: HostFacts;
  private heartbeat?: NodeJS.Timeout;
  private readonly running = new Set<StopWord>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly control = createControlBlock();
  private closing = false;
  private heartbeatFailing = false;
  private readonly slots: ThreadSlots;
  private readonly startedAt = Date.now();
  readonly rejected: RejectedMessages;

  constructor(private readonly options: AgentOptions) {
    this.log = options.log ?? ((line) => console.error(`[agent] ${line}`));
    this.agentId = sanitizeId(options.name ?? `${os.hostname()}-${process.pid}`);
    this.threads = options.threads ?? os.availableParallelism();
    this.slots = new ThreadSlots(this.threads);
    this.rejected = new RejectedMessages(this.log);
  }

  /** What this agent announces: the coordinator places only shards that need one of these here. */
  get capabilities(): Capability[] {
    if (!this.thermal) return ['http'];
    return this.options.general ? ['http', 'thermal'] : ['thermal'];
  }

  async start(): Promise<void> {
    this.facts = await readHostFacts();
    if (this.options.thermal) this.thermal = await this.options.thermal(this.control);
    const { cluster } = this.options;
    const nc = await connectBus({
      url: this.options.natsUrl,
      name: `stampede-agent-${this.agentId}`,
      tls: this.options.tls,
      inboxPrefix: agentInboxPrefix(this.agentId),
      reconnect: cluster.reconnect,
      log: this.log,
    });
    this.nc = nc;
    this.kv = await awaitTopology(nc, this.log, () => this.closing);
    this.pool = new Piscina({
      filename: new URL('./worker/shardTask.js', import.meta.url).href,
      minThreads: this.threads,
      maxThreads: this.threads,
      // Idle workers would otherwise die at once and be re-spawned per shard, skewing the start.
      idleTimeout: Infinity,
    });
    await this.firstAnnounce();
    this.heartbeat = setInterval(() => void this.beat(), cluster.heartbeatMs);
    const js = jetstream(nc);
    this.deps = this.shardDeps(nc, js, this.pool);
    void this.pullOwnConsumer();
    onReconnect(nc, () => {
      this.session = newSession();
      this.deps = { ...this.deps!, identity: { agentId: this.agentId, session: this.session } };
      this.log(`reconnected to NATS: new session ${this.session} (running shards keep theirs)`);
    });
    this.log(
      `agent ${this.agentId} (session ${this.session}) ready: ${this.threads} threads, capabilities ${this.capabilities.join(', ')}, NATS ${this.options.natsUrl}`,
    );
    if (this.thermal)
      this.log(
        this.options.general
          ? 'thermal agent with --general: general shards run here too, every request gated by the thermal governor'
          : 'thermal agent: takes thermal shards only (start with --general to take general shards too)',
      );
  }

  /** What every delivered shard runs with; rebuilt with a new session after a reconnect. */
  private shardDeps(nc: NatsConnection, js: JetStreamClient, pool: Piscina): ShardRunnerDeps {
    const { cluster } = this.options;
    return {
      nc,
      js,
      pool,
      control: this.control,
      leases: new RunLeases(nc, this.rejected),
      rejected: this.rejected,
      identity: { agentId: this.agentId, session: this.session },
      timings: {
        pauseGraceMs: cluster.pauseGraceMs,
        afterGrace: cluster.afterGrace,
        inProgressMs: cluster.inProgressMs,
        readyTimeoutMs: cluster.readyTimeoutMs,
      },
      thermalWindow: this.thermal ? (from) => this.thermal!.openWindow(from) : undefined,
      running: this.running,
      allowedTargetHosts: new Set([...LOOPBACK_HOSTS, ...(this.options.allowTargets ?? [])]),
      emptyHistogram: encodeHistogram(createMergeHistogram()),
      log: this.log,
    };
  }

  /**
   * Pulls from this agent's work consumer while a thread is free, each shard run by the shard
   * lifecycle. The consumer may have to wait for a coordinator to create it (a read-only user).
   */
  private async pullOwnConsumer(): Promise<void> {
    const consumer = await awaitAgentConsumer(this.nc!, this.agentId, this.log, () => this.closing).catch(
      () => undefined,
    );
    if (!consumer || this.closing) return;
    await pullShards({
      consumer,
      slots: this.slots,
      closing: () => this.closing,
      run: (msg) => {
        const job = runDeliveredShard(this.deps!, msg).finally(() => {
          this.inFlight.delete(job);
          this.slots.release();
        });
        this.inFlight.add(job);
      },
      log: this.log,
    });
  }

  /** A cluster moving its streams (a replica count change, an election) refuses writes for a moment. */
  private async firstAnnounce(tries = 10): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.announce();
      } catch (error) {
        if (attempt >= tries) throw error;
        this.log(`announce failed (${(error as Error).message}); retrying`);
        await sleep(1000);
      }
    }
  }

  /** One heartbeat; a failing streak (NATS away) is logged once at its start and once at its end. */
  private async beat(): Promise<void> {
    try {
      await this.announce();
      if (this.heartbeatFailing) this.log('heartbeats go through again');
      this.heartbeatFailing = false;
    } catch (error) {
      if (!this.heartbeatFailing) this.log(`heartbeat failed: ${(error as Error).message} (retrying)`);
      this.heartbeatFailing = true;
    }
  }

  private async announce(): Promise<void> {
    if (!this.kv || !this.facts) return;
    const message: Announce = {
      kind: 'agent.announce',
      protocol: PROTOCOL_VERSION,
      agentId: this.agentId,
      session: this.session,
      name: this.options.name ?? this.agentId,
      ...this.facts,
      pid: process.pid,
      threads: this.threads,
      weight: this.options.weight ?? 1,
      capabilities: this.capabilities,
      catalogueHash: CATALOGUE_HASH,
      scenarios: INSTALLED_SCENARIOS,
      startedAt: this.startedAt,
      heartbeatAt: Date.now(),
      busyShards: this.threads - this.slots.available,
      thermal: this.thermal?.status(),
    };
    await this.kv.put(this.agentId, encode(message));
  }

  /**
   * Stops running shards at their next operation, stores their results (waiting up to `graceMs`),
   * then disconnects.
   */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const stop of this.running) requestStop(stop, STOP_REASONS.shutdown);
    this.slots.wakeAll();
    await Promise.race([Promise.allSettled([...this.inFlight]), sleep(graceMs)]);
    this.thermal?.stop();
    await this.pool?.destroy();
    this.log(
      `rejected ${this.rejected.total()} bus message(s)${this.rejected.total() > 0 ? ` (${[...this.rejected.counts].map(([r, n]) => `${r} ${n}`).join(', ')})` : ''}`,
    );
    // With NATS away these would wait for a server that may never come back.
    const leave = async () => {
      await this.kv?.delete(this.agentId).catch(() => undefined);
      await this.nc?.drain().catch(() => undefined);
    };
    await Promise.race([leave(), sleep(LEAVE_MS)]);
    if (this.nc && !this.nc.isClosed()) await this.nc.close().catch(() => undefined);
  }
}
