/**
 * Tracks, per run, what this agent last heard of the coordinator's lease: when (on the agent's
 * clock, by arrival), from which generation of coordinator, and which shard attempts it grants;
 * and whether the run was aborted. Each shard attempt judges its own lease from this
 * (`leaseGuard.ts`), on the agent's own clock, whatever the connection is doing.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  type Lease,
  type RejectedMessages,
  SUBJECTS,
  decodeAbort,
  decodeLease,
} from '../../shared/protocol/index.js';

export interface RunWatch {
  /** Agent clock (Date.now()) when the newest lease arrived; when watching began, before any. */
  lastLeaseAt: number;
  /** How many leases arrived; with `seq`, tells a lease that came after a moment from older ones. */
  leases: number;
  generation: number;
  /** `shardId#attempt` of every attempt the newest lease grants (undefined: it named none). */
  grants?: ReadonlySet<string>;
  abortReason?: string;
}

export const grantKey = (shardId: string, attempt: number) => `${shardId}#${attempt}`;

interface Entry extends RunWatch {
  seq: number;
  users: number;
  subscriptions: Subscription[];
}

/** How long a finished run's entry is kept: a late redelivery must still see its abort flag. */
const KEEP_FINISHED_MS = 30_000;

export class RunLeases {
  private readonly runs = new Map<string, Entry>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly rejected: RejectedMessages,
  ) {}

  /** Starts watching a run (counting users) and returns its live state. */
  watch(runId: string): RunWatch {
    let entry = this.runs.get(runId);
    if (!entry) {
      entry = this.subscribe(runId);
      this.runs.set(runId, entry);
    }
    entry.users += 1;
    return entry;
  }

  private subscribe(runId: string): Entry {
    const entry: Entry = {
      lastLeaseAt: Date.now(),
      leases: 0,
      generation: 0,
      seq: -1,
      users: 0,
      subscriptions: [],
    };
    const on = (subject: string, handle: (data: Uint8Array) => void) =>
      this.nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return;
          try {
            handle(msg.data);
          } catch (error) {
            this.rejected.record(msg.subject, error);
          }
        },
      });
    entry.subscriptions.push(
      on(SUBJECTS.lease(runId), (data) => note(entry, decodeLease(data))),
      on(SUBJECTS.abort(runId), (data) => {
        entry.abortReason = decodeAbort(data).reason;
      }),
    );
    return entry;
  }

  release(runId: string): void {
    const entry = this.runs.get(runId);
    if (!entry) return;
    entry.users -= 1;
    if (entry.users === 0) {
      setTimeout(() => {
        if (entry.users === 0 && this.runs.get(runId) === entry) {
          for (const s of entry.subscriptions) s.unsubscribe();
          this.runs.delete(runId);
        }
      }, KEEP_FINISHED_MS).unref();
    }
  }

  close(): void {
    for (const entry of this.runs.values()) for (const s of entry.subscriptions) s.unsubscribe();
    this.runs.clear();
  }
}

/**
 * Takes a lease in: an older generation's lease (a coordinator that was replaced) is ignored, and
 * so is one older than the newest seen (a publish buffered across a reconnect, replayed late).
 */
function note(entry: Entry, lease: Lease): void {
  const generation = lease.generation ?? 0;
  if (generation < entry.generation) return;
  if (generation === entry.generation && lease.seq <= entry.seq) return;
  entry.generation = generation;
  entry.seq = lease.seq;
  entry.lastLeaseAt = Date.now();
  entry.leases += 1;
  entry.grants =
    lease.grants && new Set(lease.grants.map(([shardId, attempt]) => grantKey(shardId, attempt)));
}
