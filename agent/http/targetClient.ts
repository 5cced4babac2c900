/**
 * What scenarios use to talk to the target outside the hot path: a client sized to the shard's
 * lanes and gated by the shard's request gate, requests prepared once so that loops only send
 * them, and answers read whole (the scenarios here judge what the target said).
 */
import type { Dispatcher } from 'undici';
import type { ScenarioContext } from '../../shared/model/scenario.js';
import { TargetClient } from './client.js';
import { requestTimeoutOf } from './options.js';
import type { RequestShape } from './shape.js';
import { outboundOf } from './outbound.js';

export type { RequestShape } from './shape.js';

export interface Answer {
  status: number;
  text: string;
  bytes: number;
}

/** Runs `body` with a client sized to the shard's lanes, destroyed afterwards whatever happens. */
export async function withClient<T>(
  ctx: ScenarioContext,
  body: (client: TargetClient) => Promise<T>,
): Promise<T> {
  const client = new TargetClient(
    ctx.target,
    ctx.load.connections,
    requestTimeoutOf(ctx.params),
    outboundOf(ctx),
  );
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

export function prepare(client: TargetClient, shape: RequestShape): Dispatcher.RequestOptions {
  return client.prepare(shape);
}

/**
 * Sends a prepared request. An operation that sends more than one passes its `lane` (the slot
 * `runLoad` gave it) with the later ones, so their wait at the gate leaves its latency.
 */
export function send(
  client: TargetClient,
  options: Dispatcher.RequestOptions,
  lane?: number,
): Promise<Answer> {
  return client.exchange(options, lane);
}
