/**
 * One undici keep-alive pool per shard for everything that is not the hot path: set-up, probes,
 * admin calls, and scenarios whose operations read what the target answered. Timeouts are undici's
 * own header/body timers, and their errors carry stable codes the outcome classifier reads. Every
 * request passes the shard's request gate right before it is sent.
 */
import { Pool, type Dispatcher } from 'undici';
import type { TransportOptions } from '../../shared/custom/transport.js';
import type { HttpRequest, HttpResponse } from '../../shared/model/scenario.js';
import { connectionOptions } from './options.js';
import { shapeRequest, type RequestShape } from './shape.js';
import { pathOnTarget, splitTarget } from './target.js';
import type { Outbound } from './outbound.js';

const MAX_BODY_TEXT = 1024 * 1024;

export class TargetClient {
  readonly pool: Pool;
  private readonly basePath: string;

  constructor(
    target: string,
    connections: number,
    private readonly timeoutMs: number,
    private readonly outbound: Outbound,
    tls?: Readonly<TransportOptions>,
  ) {
    const { origin, basePath } = splitTarget(target);
    this.basePath = basePath;
    this.pool = new Pool(origin, { connections, ...connectionOptions(timeoutMs, tls) });
  }

  /** The request path on the target for a scenario path. */
  pathOf(path: string): string {
    return pathOnTarget(this.basePath, path);
  }

  /** A request built once (method, JSON body, headers, the agent's user-agent), for `exchange`. */
  prepare(shape: RequestShape): Dispatcher.RequestOptions {
    return shapeRequest(shape, this.pathOf(shape.path), this.outbound.userAgent);
  }

  /** `ctx.http`: one request, its body read as text (kept up to 1 MiB, counted whole). */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const timeout = request.timeoutMs ?? this.timeoutMs;
    const options = this.prepare(request);
    const waiting = this.outbound.gate.admit(request.lane);
    if (waiting) await waiting;
    const response = await this.pool.request({ ...options, headersTimeout: timeout, bodyTimeout: timeout });
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (bytes < MAX_BODY_TEXT) chunks.push(chunk);
      bytes += chunk.length;
    }
    return {
      status: response.statusCode,
      headers: response.headers,
      body: Buffer.concat(chunks).subarray(0, MAX_BODY_TEXT).toString('utf8'),
      bytes,
    };
  }

  /**
   * A request prepared once (see `prepare`), sent as is; the whole body is read. `lane` names the
   * load lane of the operation sending it when this is not the operation's first request.
   */
  async exchange(
    options: Dispatcher.RequestOptions,
    lane?: number,
  ): Promise<{ status: number; text: string; bytes: number }> {
    const waiting = this.outbound.gate.admit(lane);
    if (waiting) await waiting;
    const response = await this.pool.request(options);
    const text = await response.body.text();
    return { status: response.statusCode, text, bytes: Buffer.byteLength(text) };
  }

  close(): Promise<void> {
    // destroy, not close: a blackholed or stalled request must not hold the shard open.
    return this.pool.destroy();
  }
}
