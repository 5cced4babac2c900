/**
 * The request hot path: one undici Client (one keep-alive connection) per load lane, driven with
 * `dispatch` and one reusable handler per lane. This skips the Readable body stream and response
 * object that `request()` builds for every response, which is most of its cost (`dispatch`
 * is undici's fastest API: about 38k req/s against 26k for `Pool.request` on a 2-core VM). Handlers use undici's classic callbacks because a handler
 * without `onRequestStart` is passed through unwrapped (no adapter object per request).
 */
import { Client, type Dispatcher } from 'undici';
import type { TransportOptions } from '../../shared/custom/transport.js';
import type { OpDone } from '../../shared/model/scenario.js';
import { connectionOptions } from './options.js';
import { RawLanes } from './rawLanes.js';
import { pathOnTarget, splitTarget } from './target.js';
import type { Outbound } from './outbound.js';

export interface LaneResponse {
  status: number;
  ok: boolean;
  bytes: number;
}

class LaneHandler {
  status = 0;
  bytes = 0;
  done: OpDone = () => undefined;

  onConnect(): void {
    this.status = 0;
    this.bytes = 0;
  }

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    return true;
  }

  constructor(private readonly isOk: (status: number) => boolean) {}

  onComplete(): void {
    this.done(null, this.status, this.isOk(this.status), this.bytes);
  }

  onError(error: Error): void {
    this.done(error, 0, false, 0);
  }
}

export class LaneClients {
  private readonly clients: Client[];
  private readonly handlers: LaneHandler[];
  private readonly basePath: string;
  /** Fixed plain-HTTP requests go out on raw sockets (agent/http/rawLanes.ts); the rest via undici. */
  private readonly raw: RawLanes | null;

  constructor(
    target: string,
    lanes: number,
    timeoutMs: number,
    isOk: (status: number) => boolean,
    private readonly outbound: Outbound,
    tls?: Readonly<TransportOptions>,
  ) {
    this.raw = RawLanes.for(target, lanes, timeoutMs, isOk);
    const { origin, basePath } = splitTarget(target);
    this.basePath = basePath;
    this.clients = Array.from({ length: lanes }, () => new Client(origin, connectionOptions(timeoutMs, tls)));
    this.handlers = Array.from({ length: lanes }, () => new LaneHandler(isOk));
  }

  pathOf(path: string): string {
    return pathOnTarget(this.basePath, path);
  }

  get userAgent(): string {
    return this.outbound.userAgent;
  }

  /**
   * Sends `request` on lane `slot` once the request gate admits it; `done` runs once with the
   * answer or the error (RequestGateClosed when the gate never let it out). A lane carries one
   * request at a time. Allocates nothing per request while the gate is open.
   */
  start(slot: number, request: Dispatcher.DispatchOptions, done: OpDone): void {
    const waiting = this.outbound.gate.admit(slot);
    if (waiting === undefined) this.dispatch(slot, request, done);
    else
      waiting.then(
        () => this.dispatch(slot, request, done),
        (error: Error) => done(error, 0, false, 0),
      );
  }

  /** `start` as a promise. */
  send(slot: number, request: Dispatcher.DispatchOptions): Promise<LaneResponse> {
    return new Promise((resolve, reject) =>
      this.start(slot, request, (error, status, ok, bytes) =>
        error === null ? resolve({ status, ok, bytes }) : reject(error),
      ),
    );
  }

  private dispatch(slot: number, request: Dispatcher.DispatchOptions, done: OpDone): void {
    try {
      if (this.raw?.takes(slot, request)) {
        this.raw.start(slot, done);
        return;
      }
      const handler = this.handlers[slot];
      handler.done = done;
      this.clients[slot].dispatch(request, handler as unknown as Dispatcher.DispatchHandler);
    } catch (error) {
      // A request refused before it went out (STAMPEDE_HTTP_PATH=raw on one the raw path cannot take).
      done(error as Error, 0, false, 0);
    }
  }

  /** Destroys every connection: a stalled request must not hold the shard open. */
  async close(): Promise<void> {
    this.raw?.close();
    await Promise.all(this.clients.map((c) => c.destroy()));
  }
}
