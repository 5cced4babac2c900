/**
 * The reference target: a node:http server in front of the runtime. Every request is routed,
 * counted, passed through the deliberate faults, and answered with JSON, errors included; requests
 * too broken to parse are answered from the socket with the same JSON error shape.
 */
import http, { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CRASH_EXIT_CODE } from './faultSwitches.js';
import { HttpError, notFound } from './httpErrors.js';
import { resolveOptions, type TargetOptions } from './options.js';
import { readJsonBody } from './requestBody.js';
import { Router, type Reply, type RouteContext } from './router.js';
import { ALL_ROUTES } from './routes/index.js';
import { TargetRuntime } from './runtime.js';

export type { TargetOptions } from './options.js';

export interface RunningTarget {
  /** http://HOST:PORT, no trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Body limit of routes that take no files. */
const CONTROL_BODY_BYTES = 64 * 1024;
/** Room for the JSON around attached files, on top of maxBodyBytes. */
const ENVELOPE_BYTES = 64 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;

const UNMATCHED_ROUTE = 'unmatched';
const UNPARSED_ROUTE = 'unparsed';
/** Polling the stats must not change them. */
const UNCOUNTED_ROUTE = '/admin/stats';

export async function startTarget(options: Partial<TargetOptions> = {}): Promise<RunningTarget> {
  const resolved = resolveOptions(options);
  const runtime = await TargetRuntime.create(resolved);
  const router = new Router(ALL_ROUTES);
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    void handleRequest(req, res, router, runtime);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerUnparsed(error, socket, runtime),
  );
  try {
    await listen(server, resolved.port, resolved.host);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host}:${port}`,
    port,
    close: () => (closing ??= shutdown(server, runtime)),
  };
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  router: Router,
  runtime: TargetRuntime,
): Promise<void> {
  const method = req.method ?? 'GET';
  let route = UNMATCHED_ROUTE;
  res.once('finish', () => {
    if (route !== UNCOUNTED_ROUTE) runtime.stats.record(method, route, res.statusCode);
  });
  try {
    const match = router.match(method, pathnameOf(req.url ?? '/'));
    if (match.kind === 'none') throw notFound('not_found', `no route for ${method} on this path`);
    if (match.kind === 'wrong-method') {
      throw new HttpError(
        405,
        'method_not_allowed',
        `${method} is not allowed here`,
        { allowed: match.allowed },
        { allow: match.allowed.join(', ') },
      );
    }
    route = match.route.path;
    if (!match.route.control) await applyRequestFaults(runtime);
    const context: RouteContext = {
      req,
      params: match.params,
      runtime,
      body: (schema, request = {}) =>
        readJsonBody(req, schema, {
          maxBytes: request.large ? runtime.options.maxBodyBytes + ENVELOPE_BYTES : CONTROL_BODY_BYTES,
          optional: request.optional,
          invalidCode: request.invalidCode,
        }),
    };
    send(res, await match.route.handle(context));
  } catch (error) {
    answerError(error, res, runtime);
  }
}

function pathnameOf(url: string): string {
  const pathname = url.split('?', 1)[0];
  if (!pathname.startsWith('/')) throw new HttpError(400, 'invalid_url', 'the request target must be a path');
  return pathname;
}

async function applyRequestFaults(runtime: TargetRuntime): Promise<void> {
  runtime.leaked.leak(runtime.faults.leakBytesPerRequest);
  if (runtime.faults.slowMs > 0) await sleep(runtime.faults.slowMs, undefined, { signal: runtime.signal });
}

function answerError(error: unknown, res: ServerResponse, runtime: TargetRuntime): void {
  if (error instanceof HttpError) {
    if (error.malformed && runtime.faults.crashOnMalformed) crashDeliberately(runtime, error.code);
    send(res, { status: error.status, json: error.body() }, error.headers);
    return;
  }
  if (runtime.signal.aborted) {
    // Shutting down: the waits were cut short on purpose and the socket is going away.
    res.destroy();
    return;
  }
  runtime.options.log(`stampede-target: error: ${(error as Error)?.stack ?? String(error)}`);
  send(res, {
    status: 500,
    json: { error: 'internal_error', message: "unexpected error; see the target's log" },
  });
}

function send(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const [contentType, text] =
    'json' in reply
      ? ['application/json; charset=utf-8', JSON.stringify(reply.json)]
      : [reply.contentType, reply.text];
  res.writeHead(reply.status, {
    ...headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Node's parser gave up on the request (oversized headers, broken framing): answer from the raw socket. */
function answerUnparsed(error: NodeJS.ErrnoException, socket: Duplex, runtime: TargetRuntime): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new HttpError(431, 'headers_too_large', `request headers exceed ${MAX_HEADER_BYTES} bytes`)
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new HttpError(408, 'request_timeout', 'the request was not received in time')
        : new HttpError(
            400,
            'bad_request',
            `the request could not be parsed (${error.code ?? 'parse error'})`,
          );
  if (refusal.malformed && runtime.faults.crashOnMalformed) crashDeliberately(runtime, refusal.code);
  runtime.stats.record('-', UNPARSED_ROUTE, refusal.status);
  const body = JSON.stringify(refusal.body());
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}

function crashDeliberately(runtime: TargetRuntime, reason: string): never {
  runtime.options.log(
    `stampede-target: crash-on-malformed: exiting with code ${CRASH_EXIT_CODE} on a malformed request (${reason})`,
  );
  process.exit(CRASH_EXIT_CODE);
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function shutdown(server: http.Server, runtime: TargetRuntime): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await runtime.close();
  await closed;
}
