/**
 * Plain HTTP load: one request shape, repeated. Used by `coordinator load` and by every case
 * whose load is a single kind of request. The request is built once; the loop only sends it.
 */
import type { Scenario } from '../../shared/model/scenario.js';
import { intParam, ScenarioParamError, stringParam } from '../../shared/model/params.js';
import { LaneClients } from '../http/laneClients.js';
import { requestTimeoutOf } from '../http/options.js';
import { shapeRequest } from '../http/shape.js';
import { outboundOf } from '../http/outbound.js';

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
  return raw as Record<string, string>;
}

export const httpScenario: Scenario = async (ctx) => {
  const params = ctx.params as Record<string, unknown>;
  if (params.body !== undefined && typeof params.body !== 'string')
    throw new ScenarioParamError('body', 'a string', params.body);
  const method = stringParam(
    params,
    'method',
    params.body === undefined && params.json === undefined ? 'GET' : 'POST',
  ).toUpperCase();
  if (!METHODS.includes(method))
    throw new ScenarioParamError('method', `one of ${METHODS.join(', ')}`, params.method);
  const expect =
    params.expectStatus === undefined
      ? undefined
      : intParam(params, 'expectStatus', 200, { min: 100, max: 599 });
  const fresh = params.newConnectionPerRequest ?? false;
  if (typeof fresh !== 'boolean')
    throw new ScenarioParamError('newConnectionPerRequest', 'true or false', fresh);
  const isOk =
    expect !== undefined ? (status: number) => status === expect : (status: number) => status < 400;
  const lanes = new LaneClients(
    ctx.target,
    ctx.load.connections,
    requestTimeoutOf(params),
    isOk,
    outboundOf(ctx),
    ctx.transport,
  );
  try {
    const path = stringParam(params, 'path', '/');
    const request = shapeRequest(
      {
        method,
        path,
        headers: headersParam(params),
        json: params.json,
        body: params.body as string | undefined,
        fresh,
      },
      lanes.pathOf(path),
      lanes.userAgent,
    );
    await ctx.runLoad(
      (_, slot) => lanes.send(slot, request),
      (_, slot, done) => lanes.start(slot, request, done),
    );
  } finally {
    await lanes.close();
  }
};
