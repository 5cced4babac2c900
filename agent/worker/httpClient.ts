/**
 * One undici keep-alive pool per shard, sized to the shard's lanes. Timeouts are undici's own
 * header/body timers (one reschedulable timer per connection, not one per request), and their
 * errors carry stable codes the outcome classifier reads.
 */
import { Pool } from 'undici';
import type { TransportOptions } from '../../shared/custom/transport.js';
import type { HttpRequest, HttpResponse } from '../../shared/scenario.js';
import { undiciTransport } from '../http/tls.js';

const MAX_BODY_TEXT = 1024 * 1024;

/** A scenario path (`/x`, `x` or an absolute URL on the target) as a request path under the target's base path. */
export function pathOnTarget(basePath: string, path: string): string {
  if (/^https?:\/\//.test(path)) {
    const url = new URL(path);
    return url.pathname + url.search;
  }
  return basePath + (path.startsWith('/') ? path : `/${path}`);
}

/** The origin and base path of a target URL. */
export function splitTarget(target: string): { origin: string; basePath: string } {
  const url = new URL(target);
  return { origin: url.origin, basePath: url.pathname.replace(/\/$/, '') };
}

export class TargetClient {
  readonly pool: Pool;
  private readonly basePath: string;

  constructor(
    target: string,
    connections: number,
    private readonly timeoutMs: number,
    transport?: Readonly<TransportOptions>,
  ) {
    const { origin, basePath } = splitTarget(target);
    this.basePath = basePath;
    this.pool = new Pool(origin, {
      connections,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connectTimeout: Math.min(timeoutMs, 10_000),
      keepAliveTimeout: 10_000,
      ...undiciTransport(transport),
    });
  }

  /** The request path on the target for a scenario path. */
  pathOf(path: string): string {
    return pathOnTarget(this.basePath, path);
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...request.headers };
    let body = request.body;
    if (body === undefined && request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] ??= 'application/json';
    }
    const timeout = request.timeoutMs ?? this.timeoutMs;
    const response = await this.pool.request({
      method: (request.method ?? (body === undefined ? 'GET' : 'POST')) as 'GET',
      path: this.pathOf(request.path),
      headers,
      body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
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

  close(): Promise<void> {
    // destroy, not close: a blackholed or stalled request must not hold the shard open.
    return this.pool.destroy();
  }
}
