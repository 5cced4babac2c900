/**
 * Plain HTTP load: one request shape, repeated. Used by `coordinator load` and by every case
 * whose load is a single kind of request. The request is built once; the loop only sends it.
 */
import type { Dispatcher } from 'undici';
import type { Scenario } from '../../shared/scenario.js';
import { TargetClient } from '../worker/httpClient.js';

function stringParam(params: Record<string, unknown>, name: string, fallback: string): string {
  const v = params[name];
  return typeof v === 'string' ? v : fallback;
}

export const httpScenario: Scenario = async (ctx) => {
  const params = ctx.params as Record<string, unknown>;
  const json = params.json;
  const body = json !== undefined ? JSON.stringify(json) : typeof params.body === 'string' ? params.body : undefined;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((params.headers as Record<string, unknown> | undefined) ?? {})) {
    if (typeof v === 'string') headers[k.toLowerCase()] = v;
  }
  if (json !== undefined) headers['content-type'] ??= 'application/json';
  const expect = typeof params.expectStatus === 'number' ? params.expectStatus : undefined;
  const client = new TargetClient(ctx.target, ctx.load.connections, typeof params.requestTimeoutMs === 'number' ? params.requestTimeoutMs : 10_000);
  const options: Dispatcher.RequestOptions = {
    method: stringParam(params, 'method', body === undefined ? 'GET' : 'POST') as Dispatcher.HttpMethod,
    path: client.pathOf(stringParam(params, 'path', '/')),
    headers,
    body,
  };
  try {
    await ctx.runLoad(async () => {
      const response = await client.pool.request(options);
      const length = Number(response.headers['content-length'] ?? 0);
      await response.body.dump();
      const status = response.statusCode;
      return { status, ok: expect !== undefined ? status === expect : status < 400, bytes: length };
    });
  } finally {
    await client.close();
  }
};
