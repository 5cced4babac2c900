/**
 * The one place for connection options and the request timeout rule, shared by the lane clients
 * of the hot path and the pooled client scenarios use for everything else.
 */
import type { Client } from 'undici';
import type { TransportOptions } from '../../shared/custom/transport.js';
import { intParam } from '../../shared/model/params.js';
import { undiciTransport } from './tls.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const MAX_REQUEST_TIMEOUT_MS = 600_000;
const MAX_CONNECT_TIMEOUT_MS = 10_000;
const KEEP_ALIVE_MS = 10_000;

/**
 * The shard's per-request bound: its `requestTimeoutMs` parameter. An invalid value is an error
 * naming the parameter (never silently clamped), so a case runs with the bound its config says.
 */
export function requestTimeoutOf(params: Readonly<Record<string, unknown>>): number {
  return intParam(params, 'requestTimeoutMs', DEFAULT_REQUEST_TIMEOUT_MS, {
    min: 1,
    max: MAX_REQUEST_TIMEOUT_MS,
  });
}

/**
 * undici connection options: its own header/body timers are one reschedulable timer per
 * connection; TLS trust and HTTP/2 come from the case's transport.
 */
export function connectionOptions(timeoutMs: number, transport?: Readonly<TransportOptions>): Client.Options {
  return {
    ...undiciTransport(transport),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: Math.min(timeoutMs, MAX_CONNECT_TIMEOUT_MS),
    keepAliveTimeout: KEEP_ALIVE_MS,
  };
}
