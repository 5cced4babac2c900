/**
 * The roster: live agents, from the agents bucket. An agent is live while its heartbeats keep
 * arriving (judged on the coordinator's clock, by arrival, against `missingAfterMs`); one that
 * speaks another protocol version or has another suite catalogue is refused by name, never
 * silently used. While the coordinator itself is cut off from NATS nobody's heartbeat can
 * arrive, so judging is suspended, and every agent gets a fresh `missingAfterMs` once it is back.
 */
import type { KV, KvEntry } from '@nats-io/kv';
import { CATALOGUE_HASH, type Capability } from '../../shared/model/catalogue.js';
import type { EligibleAgent } from '../plan/planner.js';
import {
  PROTOCOL_VERSION,
  decodeAnnounce,
  type Announce,
  type RejectedMessages,
} from '../../shared/protocol/index.js';

export interface RosterAgent {
  announce: Announce;
  lastSeen: number;
}

export function refusalOf(a: Announce): string | undefined {
  if (a.protocol !== PROTOCOL_VERSION)
    return `agent ${a.agentId} speaks protocol version ${a.protocol}, this coordinator ${PROTOCOL_VERSION}: refused`;
  if (a.catalogueHash !== CATALOGUE_HASH)
    return `agent ${a.agentId} has suite catalogue ${a.catalogueHash}, this coordinator ${CATALOGUE_HASH}: refused (install the same stampede version on both)`;
  return undefined;
}

export class Roster {
  private readonly agents = new Map<string, RosterAgent>();
  private readonly seen = new Map<string, Announce>();
  readonly refused = new Map<string, string>();
  /** Agents that were live during this coordinator's watch and then stopped heartbeating. */
  readonly lost = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  /** Agents seen once in this watch and not yet heard again. */
  private readonly firstHeartbeat = new Map<string, number>();
  private stopWatch?: () => void;
  private sweeper?: NodeJS.Timeout;
  private suspended = false;

  constructor(
    private readonly rejected: RejectedMessages,
    private readonly log: (line: string) => void,
    private readonly missingAfterMs: number,
  ) {}

  async watch(kv: KV): Promise<void> {
    const iterator = await kv.watch();
    this.stopWatch = () => iterator.stop();
    void (async () => {
      for await (const entry of iterator) this.onEntry(entry);
    })().catch((e) => this.log(`roster watch ended: ${(e as Error).message}`));
    this.sweeper = setInterval(() => this.sweep(), 500);
  }

  private onEntry(entry: KvEntry): void {
    if (entry.operation !== 'PUT') {
      this.markGone(entry.key, 'left the roster');
      return;
    }
    let announce: Announce;
    try {
      announce = decodeAnnounce(entry.value);
    } catch (error) {
      this.rejected.record(`agents bucket key ${entry.key}`, error);
      return;
    }
    if (announce.agentId !== entry.key) {
      this.rejected.record(
        `agents bucket key ${entry.key}`,
        new Error(`announce names agent ${announce.agentId}`),
      );
      return;
    }
    const refusal = refusalOf(announce);
    if (refusal) {
      if (!this.refused.has(announce.agentId)) this.log(refusal);
      this.refused.set(announce.agentId, refusal);
      return;
    }
    // The watch starts with the bucket's last entry per agent, which may be a dead agent's: an
    // agent counts as live only once a heartbeat newer than the first one seen arrives. Comparing
    // the agent's own timestamps keeps this independent of clock offset between hosts.
    if (!this.agents.has(announce.agentId)) {
      const first = this.firstHeartbeat.get(announce.agentId);
      if (first === undefined || announce.heartbeatAt <= first) {
        this.firstHeartbeat.set(announce.agentId, announce.heartbeatAt);
        return;
      }
    }
    this.firstHeartbeat.delete(announce.agentId);
    this.agents.set(announce.agentId, { announce, lastSeen: Date.now() });
    this.seen.set(announce.agentId, announce);
    if (this.lost.delete(announce.agentId)) this.log(`agent ${announce.agentId} is back`);
    for (const wake of this.waiters) wake();
  }

  private markGone(agentId: string, why: string): void {
    if (!this.agents.delete(agentId)) return;
    this.lost.set(agentId, Date.now());
    this.log(`agent ${agentId} ${why}`);
  }

  private sweep(): void {
    if (this.suspended) return;
    const now = Date.now();
    for (const [id, a] of this.agents)
      if (now - a.lastSeen > this.missingAfterMs)
        this.markGone(id, `missing: no heartbeat for ${now - a.lastSeen} ms`);
  }

  /** The coordinator lost NATS: stop judging heartbeats that cannot arrive. */
  suspend(): void {
    this.suspended = true;
  }

  /** NATS is back: judge again, from now. */
  resume(): void {
    const now = Date.now();
    for (const a of this.agents.values()) a.lastSeen = now;
    this.suspended = false;
  }

  isLive(agentId: string): boolean {
    return this.agents.has(agentId);
  }

  lostSince(agentId: string): number | undefined {
    return this.lost.get(agentId);
  }

  /** The live agents that may take a case needing `capability`, with what the planner weighs. */
  eligible(capability: Capability): EligibleAgent[] {
    return this.live(capability).map(({ announce: a }) => ({
      agentId: a.agentId,
      threads: a.threads,
      weight: a.weight,
    }));
  }

  live(capability?: Capability): RosterAgent[] {
    return [...this.agents.values()].filter(
      (a) => !capability || a.announce.capabilities.includes(capability),
    );
  }

  /** Every agent seen live during the watch, including the ones since lost. */
  everSeen(): Announce[] {
    return [...this.seen.values()];
  }

  /** Resolves true once `enough()` holds, false after `timeoutMs`. */
  async waitFor(enough: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!enough()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 500));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
      this.waiters.clear();
    }
    return true;
  }

  close(): void {
    this.stopWatch?.();
    clearInterval(this.sweeper);
  }
}
