/**
 * The state one run's bus handlers share: every shard by id, the case now running (its held
 * ready requests and start instant), whether the run is aborting, and a way to wake the case
 * loop when a shard settles.
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

  constructor(readonly runId: string) {}

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
