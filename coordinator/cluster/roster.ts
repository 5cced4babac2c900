/**
 * The roster: live agents, from the agents bucket. An agent is live while its heartbeats keep
 * arriving (judged on the coordinator's clock, by arrival, against `missingAfterMs`); one that
 * speaks another protocol version or has another suite catalogue is refused by name, never
 * silently used. While the coordinator itself is cut off from NATS nobody's heartbeat can
 * arrive, so judging is suspended, and every agent gets a fresh `missingAfterMs` once it is back.
 */
import type { KV, KvEntry } from '@nats-io/kv';
import { CATALOGUE_HASH, type Capability } from '../../shared/model/catalogue.js';
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
  private stopWatch?: () => void;
  private sweeper?: NodeJS.Timeout;
  private suspended = false;
  /** Agents whose only entry so far looked stale: the revision seen. */
  private readonly doubtful = new Map<string, number>();

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
    if (this.isLeftover(announce, entry.revision)) return;
    this.agents.set(announce.agentId, { announce, lastSeen: Date.now() });
    this.seen.set(announce.agentId, announce);
    if (this.lost.delete(announce.agentId)) this.log(`agent ${announce.agentId} is back`);
    for (const wake of this.waiters) wake();
  }

  /**
   * An entry of an agent not live yet whose heartbeat looks older than the missing-after window
   * may be the leftover of a dead agent (the bucket keeps it for a minute) or come from a host
   * whose clock is behind: it counts only once a newer revision shows the agent still beats.
   */
  private isLeftover(announce: Announce, revision: number): boolean {
    const id = announce.agentId;
    if (this.agents.has(id) || Date.now() - announce.heartbeatAt <= this.missingAfterMs) {
      this.doubtful.delete(id);
      return false;
    }
    const first = this.doubtful.get(id);
    if (first !== undefined && first !== revision) {
      this.doubtful.delete(id);
      return false;
    }
    this.doubtful.set(id, revision);
    return true;
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
