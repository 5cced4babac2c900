/**
 * Placement: each shard of the running case is published to the work consumer of one agent, the
 * one the plan gave it to, and moves only when that agent is lost. It moves at the moment
 * JetStream would redeliver a silent agent's delivery (an ack wait after its last heartbeat), so a
 * heartbeat gap shorter than that moves nothing. A move deletes the message from the lost agent's
 * consumer by its stream sequence before publishing it to another eligible agent, so a shard never
 * waits in two queues; an agent that comes back finds its attempt no longer granted and stops it.
 * The moved message numbers its attempts past every one its earlier agents could have used, and
 * each agent a shard was placed on counts as one of its `maxDeliver` deliveries.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { ensureAgentConsumer } from '../../shared/bus/topology.js';
import type { ClusterSettings } from '../../shared/config/config.js';
import type { Capability } from '../../shared/model/catalogue.js';
import {
  ATTEMPTS_PER_GENERATION,
  STREAMS,
  SUBJECTS,
  encode,
  type ShardAssign,
} from '../../shared/protocol/index.js';
import { capacityOf, type EligibleAgent } from '../plan/planner.js';
import { isSettled, type CaseRun, type ShardRecord } from './runState.js';

/** The roster as placement sees it. */
export interface AgentView {
  isLive(agentId: string): boolean;
  /** When the agent stopped heartbeating during this watch; undefined again once it is back. */
  lostSince(agentId: string): number | undefined;
  eligible(capability: Capability): EligibleAgent[];
}

export interface PlacerDeps {
  runId: string;
  generation: number;
  js: JetStreamClient;
  jsm: JetStreamManager;
  cluster: ClusterSettings;
  agents: AgentView;
  /** Gives up a shard whose deliveries ran out (the dead-letter path), deleting its message. */
  ranOut: (shard: ShardRecord, seq: number, deliveries: string) => Promise<void>;
  log: (line: string) => void;
}

/** Builds the message for a shard whose attempts are numbered past `attemptBase`. */
export type MessageOf = (shard: ShardRecord, attemptBase: number) => ShardAssign;

/** JetStream's API error code for a stream sequence that holds no message. */
const NO_MESSAGE_FOUND = 10037;

export class ShardPlacer {
  /** Agents whose consumer has this run's ack wait and max deliver. */
  private readonly consumersSet = new Set<string>();

  constructor(private readonly deps: PlacerDeps) {}

  /**
   * Publishes a shard to its planned agent when live, else to the live eligible agent with the
   * least of this case per unit of capacity. False when no eligible agent is live (try again later).
   */
  async place(run: CaseRun, shard: ShardRecord, messageOf: MessageOf, attemptBase = 0): Promise<boolean> {
    const agentId = this.choose(run, shard);
    if (!agentId) return false;
    await this.consumerFor(agentId);
    const { runId, generation, js } = this.deps;
    const { shardId } = shard.planned;
    // The id names the generation and the move: a republished shard is not a duplicate.
    const msgID = [
      runId,
      shardId,
      generation > 0 ? `g${generation}` : '',
      attemptBase > 0 ? `m${attemptBase}` : '',
    ]
      .filter(Boolean)
      .join('.');
    const message = encode(messageOf(shard, attemptBase));
    const ack = await js.publish(SUBJECTS.shard(agentId, runId, shardId), message, { msgID });
    shard.placement = {
      agentId,
      seq: ack.seq,
      attemptBase,
      moves: shard.placement ? shard.placement.moves + 1 : 0,
    };
    return true;
  }

  /** Places the case's shards that have no agent yet, and moves those whose agent is lost. */
  async tend(run: CaseRun, messageOf: MessageOf): Promise<void> {
    for (const shard of run.shards) {
      if (isSettled(shard)) continue;
      const placed = shard.placement;
      if (!placed) await this.place(run, shard, messageOf);
      else if (!placed.acked && this.movable(placed.agentId)) await this.move(run, shard, messageOf);
    }
  }

  /** Lost an ack wait after its last heartbeat (the roster marks it lost `missingAfterMs` after it). */
  private movable(agentId: string): boolean {
    const { agents, cluster } = this.deps;
    const since = agents.lostSince(agentId);
    return since !== undefined && Date.now() - since >= cluster.ackWaitMs - cluster.missingAfterMs;
  }

  private async move(run: CaseRun, shard: ShardRecord, messageOf: MessageOf): Promise<void> {
    const from = shard.placement!;
    const { maxDeliver } = this.deps.cluster;
    const attemptBase = from.attemptBase + maxDeliver;
    // Every agent it was placed on counts as a delivery, so a shard that kills each agent it
    // lands on is lost after `maxDeliver` of them, as one that fails on every delivery is.
    if (from.moves + 1 >= maxDeliver || attemptBase > ATTEMPTS_PER_GENERATION - 2) {
      await this.deps.ranOut(shard, from.seq, String(from.moves + 1));
      return;
    }
    if (!this.choose(run, shard)) return;
    const deleted = await this.deps.jsm.streams.deleteMessage(STREAMS.work, from.seq).then(
      () => 'deleted',
      (error: { code?: number }) => (error.code === NO_MESSAGE_FOUND ? 'gone' : 'failed'),
    );
    // Gone already: its agent acked it after storing the result, which is on its way. (A failed
    // delete, NATS being away, is tried again at the next tick.)
    if (deleted === 'gone') shard.placement = { ...from, acked: true };
    if (deleted !== 'deleted') return;
    if (await this.place(run, shard, messageOf, attemptBase))
      this.deps.log(
        `shard ${shard.planned.shardId} moved from lost agent ${from.agentId} to ${shard.placement!.agentId}`,
      );
  }

  private choose(run: CaseRun, shard: ShardRecord): string | undefined {
    const live = this.deps.agents.eligible(run.planned.definition.needs);
    const planned = shard.planned.agentId;
    const previous = shard.placement?.agentId;
    if (planned && planned !== previous && live.some((a) => a.agentId === planned)) return planned;
    const share = (a: EligibleAgent) =>
      run.shards.filter((s) => s !== shard && !isSettled(s) && s.placement?.agentId === a.agentId).length /
      capacityOf(a);
    return live
      .filter((a) => a.agentId !== previous)
      .sort(
        (a, b) => share(a) - share(b) || capacityOf(b) - capacityOf(a) || a.agentId.localeCompare(b.agentId),
      )[0]?.agentId;
  }

  private async consumerFor(agentId: string): Promise<void> {
    if (this.consumersSet.has(agentId)) return;
    await ensureAgentConsumer(this.deps.jsm, agentId, this.deps.cluster);
    this.consumersSet.add(agentId);
  }
}
