/**
 * The state one run's bus handlers share: every shard by id, the case now running (its held
 * ready requests and start instant), whether the run is aborting, which agents are live, and a
 * way to wake the case loop when a shard settles.
 */
import type { Msg } from '@nats-io/transport-node';
import type { CaseRun, ShardRecord } from './runState.js';

export interface HeldReady {
  msg: Msg;
  shard: ShardRecord;
  attempt: number;
}

export interface ActiveCase {
  run: CaseRun;
  /** How many of its shards were dispatched (a resumed case runs only the unsettled ones). */
  dispatched: number;
  held: HeldReady[];
  startAt?: number;
  deadlineAt: number;
  readyTimer?: NodeJS.Timeout;
}

export class RunBook {
  readonly shards = new Map<string, ShardRecord>();
  active?: ActiveCase;
  aborting = false;
  private waker?: () => void;

  /**
   * @param generation 0 for the run's first coordinator, +1 for each resume.
   * @param isLive whether an agent is heartbeating (the roster's view).
   */
  constructor(
    readonly runId: string,
    readonly generation: number,
    readonly isLive: (agentId: string) => boolean,
  ) {}

  /** [shardId, attempt] of every granted attempt, for the lease. */
  grants(): [string, number][] {
    const out: [string, number][] = [];
    for (const [id, shard] of this.shards) if (shard.grant) out.push([id, shard.grant.attempt]);
    return out;
  }

  /** Wakes the case loop early (a shard settled). */
  wake(): void {
    this.waker?.();
  }

  /** Resolves after `ms`, or sooner when a shard settles. */
  nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waker = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
