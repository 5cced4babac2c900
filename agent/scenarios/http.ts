/**
 * Plain HTTP load: one request shape, repeated. Used by `coordinator load` and by every case
 * whose load is a single kind of request. The request is built once; the loop only sends it.
 */
import type { Dispatcher } from 'undici';
import type { Scenario } from '../../shared/scenario.js';
import { intParam, ScenarioParamError, stringParam } from './support/params.js';
import { LaneClients } from '../worker/laneClients.js';
import { requestTimeoutOf } from './support/targetClient.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

function headersParam(params: Record<string, unknown>): Record<string, string> {
  const raw = params.headers ?? {};
  if (
    typeof raw !== 'object' ||
    raw === null ||
    Array.isArray(raw) ||
    Object.values(raw).some((v) => typeof v !== 'string')
  ) {
    throw new ScenarioParamError('headers', 'an object of header names to string values', raw);
  }
  return Object.fromEntries(
    Object.entries(raw as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
  );
}

export const httpScenario: Scenario = async (ctx) => {
  const params = ctx.params as Record<string, unknown>;
  const json = params.json;
  if (params.body !== undefined && typeof params.body !== 'string')
    throw new ScenarioParamError('body', 'a string', params.body);
  const body = json !== undefined ? JSON.stringify(json) : (params.body as string | undefined);
  const headers = headersParam(params);
  if (json !== undefined) headers['content-type'] ??= 'application/json';
  const method = stringParam(params, 'method', body === undefined ? 'GET' : 'POST').toUpperCase();
  if (!METHODS.includes(method))
    throw new ScenarioParamError('method', `one of ${METHODS.join(', ')}`, params.method);
  const expect =
    params.expectStatus === undefined
      ? undefined
      : intParam(params, 'expectStatus', 200, { min: 100, max: 599 });
  // A new connection per request makes a per-connection network fault hit every request alike.
  const fresh = params.newConnectionPerRequest ?? false;
  if (typeof fresh !== 'boolean')
    throw new ScenarioParamError('newConnectionPerRequest', 'true or false', fresh);
  const isOk =
    expect !== undefined ? (status: number) => status === expect : (status: number) => status < 400;
  const lanes = new LaneClients(ctx.target, ctx.load.connections, requestTimeoutOf(ctx), isOk, ctx.transport);
  try {
    const request: Dispatcher.DispatchOptions = {
      method: method as Dispatcher.HttpMethod,
      path: lanes.pathOf(stringParam(params, 'path', '/')),
      headers,
      body,
      ...(fresh ? { reset: true } : {}),
    };
    await ctx.runLoad((_, slot) => lanes.send(slot, request));
  } finally {
    await lanes.close();
  }
};
