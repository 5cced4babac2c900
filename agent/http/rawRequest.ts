/**
 * A fixed request serialised once into the bytes undici would write for it (same request line,
 * `host`, `connection: keep-alive`, the caller's headers in order, `content-length` as undici
 * sets it), or the reason it must go through undici instead. The raw path takes only what it can
 * send exactly like undici: plain HTTP, a keep-alive connection, a string body on a method that
 * expects one, headers undici passes through untouched. Anything else (TLS, HEAD, which undici
 * sends on a fresh connection each time, a new connection per request, headers undici checks or
 * rejects, per-request options) stays with undici, so its behaviour and errors stay undici's.
 */
import type { Dispatcher } from 'undici';

const RAW_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const EXPECTS_PAYLOAD = new Set(['POST', 'PUT', 'PATCH']);
/** Headers undici sets itself, validates specially or refuses. */
const UNDICI_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
]);
const KNOWN_OPTIONS = new Set(['method', 'path', 'headers', 'body', 'reset']);
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const BAD_PATH = /[^\u0021-\u00ff]/;

export type RawRequestPlan = { bytes: Buffer } | { fallback: string };

function headerLines(headers: unknown): string | { fallback: string } {
  if (headers === undefined || headers === null) return '';
  if (typeof headers !== 'object' || Array.isArray(headers) || Symbol.iterator in headers)
    return { fallback: 'headers that are not a plain object' };
  let lines = '';
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') return { fallback: `header ${name} is not a string` };
    if (!TOKEN.test(name) || BAD_HEADER_VALUE.test(value) || UNDICI_HEADERS.has(name.toLowerCase()))
      return { fallback: `header ${name} is undici's to check` };
    lines += `${name}: ${value}\r\n`;
  }
  return lines;
}

export function planRawRequest(origin: URL, request: Dispatcher.DispatchOptions): RawRequestPlan {
  if (origin.protocol !== 'http:') return { fallback: `${origin.protocol} target` };
  for (const key of Object.keys(request)) {
    const value = (request as unknown as Record<string, unknown>)[key];
    if (!KNOWN_OPTIONS.has(key) && value !== undefined) return { fallback: `request option ${key}` };
  }
  if (request.reset) return { fallback: 'a new connection per request' };
  const method = request.method;
  if (!RAW_METHODS.has(method)) return { fallback: `method ${method}` };
  const path = request.path;
  if (typeof path !== 'string' || !path.startsWith('/') || BAD_PATH.test(path))
    return { fallback: 'a path undici must check' };
  const body = request.body;
  if (body !== undefined && body !== null && typeof body !== 'string')
    return { fallback: 'a body that is not a string' };
  const payload = body ? Buffer.from(body) : null;
  if (payload && !EXPECTS_PAYLOAD.has(method)) return { fallback: `a body on ${method}` };
  const lines = headerLines(request.headers);
  if (typeof lines !== 'string') return lines;
  const host = `${origin.hostname}${origin.port ? `:${origin.port}` : ''}`;
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n${lines}`;
  if (payload) head += `content-length: ${payload.length}\r\n\r\n`;
  else head += EXPECTS_PAYLOAD.has(method) ? 'content-length: 0\r\n\r\n' : '\r\n';
  const headBytes = Buffer.from(head, 'latin1');
  return { bytes: payload ? Buffer.concat([headBytes, payload]) : headBytes };
}
