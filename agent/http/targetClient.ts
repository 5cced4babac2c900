/**
 * What scenarios use to talk to the target outside the hot path: a client sized to the shard's
 * lanes, requests prepared once so that loops only send them, and answers read whole (the
 * scenarios here judge what the target said).
 */
import type { Dispatcher } from 'undici';
import type { ScenarioContext } from '../../shared/model/scenario.js';
import { TargetClient } from './client.js';
import { requestTimeoutOf } from './options.js';
import { shapeRequest, type RequestShape } from './shape.js';

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
  const client = new TargetClient(ctx.target, ctx.load.connections, requestTimeoutOf(ctx.params));
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

export function prepare(client: TargetClient, shape: RequestShape): Dispatcher.RequestOptions {
  return shapeRequest(shape, client.pathOf(shape.path));
}

export function send(client: TargetClient, options: Dispatcher.RequestOptions): Promise<Answer> {
  return client.exchange(options);
}
