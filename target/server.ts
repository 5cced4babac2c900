/**
 * The reference target: a node:http server in front of the runtime. Every request is routed,
 * counted, passed through the deliberate faults, and answered with JSON, errors included; requests
 * too broken to parse are answered from the socket with the same JSON error shape.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { agentOf, UNKNOWN_AGENT } from './agentCounts.js';
import { CRASH_EXIT_CODE } from './faultSwitches.js';
import { HttpError } from './httpErrors.js';
import { listen, pathnameOf, queryOf, rawAnswer, send, stopServer, urlOf } from './jsonHttp.js';
import { resolveOptions, type TargetOptions } from './options.js';
import type { Supervision } from './processInfo.js';
import { readJsonBody } from './requestBody.js';
import { Router, type Route, type RouteContext } from './router.js';
import { ALL_ROUTES } from './routes/index.js';
import { TargetRuntime } from './runtime.js';
import { WebSocketRoutes } from './websocket.js';

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

/** `supervision` is for the supervisor's child processes only. */
export async function startTarget(
  options: Partial<TargetOptions> = {},
  supervision?: Supervision,
): Promise<RunningTarget> {
  const resolved = resolveOptions(options);
  const runtime = await TargetRuntime.create(resolved, supervision);
  const router = new Router(ALL_ROUTES);
  const websockets = new WebSocketRoutes(runtime);
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    void handleRequest(req, res, router, runtime);
  });
  server.on('connection', (socket: Socket) =>
    runtime.connections.accept(socket, runtime.faults.maxOpenConnections),
  );
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      websockets.upgrade(req, socket, head);
    } catch (error) {
      answerRefusal(error, socket);
    }
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerUnparsed(error, socket, runtime),
  );
  let port: number;
  try {
    port = await listen(server, resolved.port, resolved.host);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url: urlOf(resolved.host, port),
    port,
    close: () => (closing ??= shutdown(server, runtime, websockets)),
  };
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  router: Router<Route>,
  runtime: TargetRuntime,
): Promise<void> {
  const method = req.method ?? 'GET';
  let route = UNMATCHED_ROUTE;
  res.once('finish', () => {
    if (route === UNCOUNTED_ROUTE) return;
    runtime.stats.record(method, route, res.statusCode);
    runtime.agents.record(agentOf(req.headers['user-agent']));
  });
  try {
    const url = req.url ?? '/';
    const match = router.resolve(method, pathnameOf(url));
    route = match.route.path;
    if (!match.route.control) await applyRequestFaults(runtime);
    const context: RouteContext = {
      req,
      params: match.params,
      query: queryOf(url),
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
  runtime.agents.record(UNKNOWN_AGENT);
  socket.end(rawAnswer(refusal));
}

/** An upgrade that went wrong before the WebSocket routes could answer it. */
function answerRefusal(error: unknown, socket: Duplex): void {
  const refusal =
    error instanceof HttpError
      ? error
      : new HttpError(400, 'bad_request', 'the upgrade request could not be handled');
  if (socket.writable) socket.end(rawAnswer(refusal));
  else socket.destroy();
}

function crashDeliberately(runtime: TargetRuntime, reason: string): never {
  runtime.options.log(
    `stampede-target: crash-on-malformed: exiting with code ${CRASH_EXIT_CODE} on a malformed request (${reason})`,
  );
  process.exit(CRASH_EXIT_CODE);
}

async function shutdown(
  server: http.Server,
  runtime: TargetRuntime,
  websockets: WebSocketRoutes,
): Promise<void> {
  websockets.close();
  const closed = stopServer(server);
  await runtime.close();
  await closed;
}
