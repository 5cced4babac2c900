/**
 * A scenario's own keep-alive pool sized to its lanes, and requests built once so that the hot loop
 * only sends them. Answers are read whole: the scenarios here judge what the target said.
 */
import type { Dispatcher } from 'undici';
import type { ScenarioContext } from '../../shared/model/scenario.js';
import { TargetClient } from './client.js';
import { intParam } from '../scenarios/support/params.js';

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface Answer {
  status: number;
  text: string;
  bytes: number;
}

/** The shard's per-request bound, the `requestTimeoutMs` parameter the engine also reads. */
export function requestTimeoutOf(ctx: ScenarioContext): number {
  return intParam(ctx.params, 'requestTimeoutMs', DEFAULT_REQUEST_TIMEOUT_MS, { min: 1, max: 600_000 });
}

/** Runs `body` with a client sized to the shard's lanes, destroyed afterwards whatever happens. */
export async function withClient<T>(
  ctx: ScenarioContext,
  body: (client: TargetClient) => Promise<T>,
): Promise<T> {
  const client = new TargetClient(ctx.target, ctx.load.connections, requestTimeoutOf(ctx));
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

export interface RequestShape {
  method?: Dispatcher.HttpMethod;
  path: string;
  /** Serialised once, sent with a JSON content type. */
  json?: unknown;
  /** Sent as is; `contentType` says what it is. */
  body?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
  /** A new connection per request (the fault proxy decides per connection). */
  fresh?: boolean;
}

export function prepare(client: TargetClient, shape: RequestShape): Dispatcher.RequestOptions {
  const body = shape.json !== undefined ? JSON.stringify(shape.json) : shape.body;
  const headers: Record<string, string> = { ...shape.headers };
  const contentType = shape.json !== undefined ? 'application/json' : shape.contentType;
  if (contentType !== undefined) headers['content-type'] = contentType;
  return {
    method: shape.method ?? (body === undefined ? 'GET' : 'POST'),
    path: client.pathOf(shape.path),
    headers,
    body,
    ...(shape.fresh ? { reset: true } : {}),
  };
}

export async function send(client: TargetClient, options: Dispatcher.RequestOptions): Promise<Answer> {
  const response = await client.pool.request(options);
  const text = await response.body.text();
  return { status: response.statusCode, text, bytes: Buffer.byteLength(text) };
}

/** A body parsed as JSON, or undefined when it is not JSON. */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
