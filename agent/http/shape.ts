/**
 * Request shaping, once for every client: the method default (GET, or POST with a body), a JSON
 * body serialised with its content type, header names lower-cased, the agent's user-agent, and
 * an optional fresh connection per request (a per-connection network fault then hits every request
 * alike).
 */
import type { Dispatcher } from 'undici';

export interface RequestShape {
  method?: string;
  path: string;
  /** Serialised once, sent with a JSON content type unless one is given. */
  json?: unknown;
  /** Sent as is; `contentType` says what it is. Wins over `json`. */
  body?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
  /** A new connection for this request. */
  fresh?: boolean;
}

export function shapeRequest(
  shape: RequestShape,
  requestPath: string,
  userAgent: string,
): Dispatcher.DispatchOptions {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(shape.headers ?? {})) headers[name.toLowerCase()] = value;
  // Set last: the target's per-agent accounting relies on it, whatever a scenario's headers say.
  headers['user-agent'] = userAgent;
  let body = shape.body;
  if (body === undefined && shape.json !== undefined) {
    body = JSON.stringify(shape.json);
    headers['content-type'] ??= 'application/json';
  }
  if (shape.contentType !== undefined) headers['content-type'] = shape.contentType;
  return {
    method: (shape.method ?? (body === undefined ? 'GET' : 'POST')).toUpperCase() as Dispatcher.HttpMethod,
    path: requestPath,
    headers,
    body,
    ...(shape.fresh ? { reset: true } : {}),
  };
}
