/**
 * Tracks, per run, when this agent last heard the coordinator's lease and whether the run was
 * aborted. Load stops on the agent's own clock when the lease lapses, whatever the connection is
 * doing, so a partitioned agent or a dead coordinator never leaves runaway load behind.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { type RejectedMessages, SUBJECTS, decodeAbort, decodeLease } from '../../shared/protocol/index.js';

export interface RunWatch {
  lastLeaseAt: number;
  abortReason?: string;
}

interface Entry extends RunWatch {
  users: number;
  subscriptions: Subscription[];
}

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
      const created: Entry = { lastLeaseAt: Date.now(), users: 0, subscriptions: [] };
      created.subscriptions.push(
        this.nc.subscribe(SUBJECTS.lease(runId), {
          callback: (err, msg) => {
            if (err) return;
            try {
              decodeLease(msg.data);
              created.lastLeaseAt = Date.now();
            } catch (error) {
              this.rejected.record(msg.subject, error);
            }
          },
        }),
        this.nc.subscribe(SUBJECTS.abort(runId), {
          callback: (err, msg) => {
            if (err) return;
            try {
              created.abortReason = decodeAbort(msg.data).reason;
            } catch (error) {
              this.rejected.record(msg.subject, error);
            }
          },
        }),
      );
      this.runs.set(runId, created);
      entry = created;
    }
    entry.users += 1;
    return entry;
  }

  release(runId: string): void {
    const entry = this.runs.get(runId);
    if (!entry) return;
    entry.users -= 1;
    // Keep a finished run's abort flag around briefly: a late redelivery must still see it.
    if (entry.users === 0) {
      setTimeout(() => {
        if (entry.users === 0 && this.runs.get(runId) === entry) {
          for (const s of entry.subscriptions) s.unsubscribe();
          this.runs.delete(runId);
        }
      }, 30_000).unref();
    }
  }

  close(): void {
    for (const entry of this.runs.values()) for (const s of entry.subscriptions) s.unsubscribe();
    this.runs.clear();
  }
}
