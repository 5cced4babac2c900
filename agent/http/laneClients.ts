/**
 * The request hot path: one undici Client (one keep-alive connection) per load lane, driven with
 * `dispatch` and one reusable handler per lane. This skips the Readable body stream and response
 * object that `request()` builds for every response, which is most of its cost (`dispatch`
 * is undici's fastest API: about 38k req/s against 26k for `Pool.request` on a 2-core VM). Handlers use undici's classic callbacks because a handler
 * without `onRequestStart` is passed through unwrapped (no adapter object per request).
 */
import { Client, type Dispatcher } from 'undici';
import type { TransportOptions } from '../../shared/custom/transport.js';
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
  resolve: (r: LaneResponse) => void = () => undefined;
  reject: (e: Error) => void = () => undefined;

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
    this.resolve({ status: this.status, ok: this.isOk(this.status), bytes: this.bytes });
  }

  onError(error: Error): void {
    this.reject(error);
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

  /** Sends `request` on lane `slot` once the request gate admits it; a lane carries one request at a time. */
  send(slot: number, request: Dispatcher.DispatchOptions): Promise<LaneResponse> {
    const waiting = this.outbound.gate.admit(slot);
    return waiting ? waiting.then(() => this.dispatch(slot, request)) : this.dispatch(slot, request);
  }

  private dispatch(slot: number, request: Dispatcher.DispatchOptions): Promise<LaneResponse> {
    if (this.raw?.takes(slot, request)) return this.raw.send(slot);
    const handler = this.handlers[slot];
    return new Promise((resolve, reject) => {
      handler.resolve = resolve;
      handler.reject = reject;
      this.clients[slot].dispatch(request, handler as unknown as Dispatcher.DispatchHandler);
    });
  }

  /** Destroys every connection: a stalled request must not hold the shard open. */
  async close(): Promise<void> {
    this.raw?.close();
    await Promise.all(this.clients.map((c) => c.destroy()));
  }
}
