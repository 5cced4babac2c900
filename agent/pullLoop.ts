/**
 * Pulls one shard at a time from a work consumer, and only while a pool thread is free, so that
 * an agent never holds deliveries it cannot start and idle agents get the rest.
 */
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ThreadSlots } from './threadSlots.js';

export interface PullLoopOptions {
  consumer: Consumer;
  slots: ThreadSlots;
  closing: () => boolean;
  /** Takes a delivery; must release its thread slot when the shard is done. */
  run: (msg: JsMsg) => void;
  log: (line: string) => void;
}

const PULL_EXPIRES_MS = 2000;
const RETRY_AFTER_ERROR_MS = 1000;

export async function pullShards({ consumer, slots, closing, run, log }: PullLoopOptions): Promise<void> {
  // A failing streak (NATS away) is logged at its start and end, not once a second.
  let failing = false;
  while (!closing()) {
    await slots.take();
    if (closing()) break;
    try {
      const msg = await consumer.next({ expires: PULL_EXPIRES_MS });
      if (failing) log('pulling shards again');
      failing = false;
      if (!msg || closing()) {
        msg?.nak();
        slots.release();
        continue;
      }
      run(msg);
    } catch (error) {
      slots.release();
      if (closing()) break;
      if (!failing)
        log(`pull failed: ${(error as Error).message} (retrying every ${RETRY_AFTER_ERROR_MS} ms)`);
      failing = true;
      await sleep(RETRY_AFTER_ERROR_MS);
    }
  }
}
