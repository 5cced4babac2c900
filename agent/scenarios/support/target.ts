/**
 * What scenarios ask the target outside their measured load: is it alive, does it have the admin
 * hook a case needs, what does its /metrics say, what is its provider chain. None of these calls is
 * recorded; they are the case's set-up and its evidence.
 */
import type { HttpResponse, ScenarioContext } from '../../../shared/model/scenario.js';
import { intParam, pathParam, ScenarioParamError } from '../../../shared/model/params.js';
import { isRecord, jsonOf } from './json.js';

const PROBE_TIMEOUT_MS = 3000;
const START_POLL_MS = 100;
/** Statuses that mean "no such route" rather than "the route refused this request". */
export const MISSING_ROUTE: ReadonlySet<number> = new Set([404, 405, 501]);

/** True when the target answers its liveness path with anything but a 5xx. */
export async function isAlive(ctx: ScenarioContext): Promise<boolean> {
  try {
    const answer = await ctx.http({
      path: pathParam(ctx.params, 'alivePath', '/ping'),
      timeoutMs: PROBE_TIMEOUT_MS,
    });
    return answer.status < 500;
  } catch {
    return false;
  }
}

/** Gauge `aliveAfter`: 1 when the target still answers once the case's inputs are through. */
export async function recordAliveAfter(ctx: ScenarioContext): Promise<void> {
  ctx.gauge('aliveAfter', (await isAlive(ctx)) ? 1 : 0);
}

/**
 * Skips the case when the target lacks a route it needs. A POST route is probed with a GET, which
 * changes nothing: an existing route answers 405 (wrong method), a missing one 404. Probing never
 * sends a body, so it cannot itself be malformed input to a target that is fragile about it.
 */
export async function requireRoute(
  ctx: ScenarioContext,
  method: 'GET' | 'POST',
  path: string,
): Promise<HttpResponse> {
  const answer = await ctx.http({ path, timeoutMs: PROBE_TIMEOUT_MS });
  if (MISSING_ROUTE.has(answer.status) && !(method === 'POST' && answer.status === 405)) {
    ctx.skip(
      `target has no ${path.startsWith('/admin') ? 'admin hook' : 'route'} ${method} ${path} (HTTP ${answer.status}${method === 'POST' ? ' to a GET probe' : ''})`,
    );
  }
  return answer;
}

/**
 * Before a case starts, waits up to `startWaitMs` for the target to answer: a supervised target
 * that an earlier case crashed gets time to come back, so each case is judged on what it does
 * itself. A target that stays down is left to fail the case.
 */
export async function awaitAlive(ctx: ScenarioContext): Promise<void> {
  const deadline = Date.now() + intParam(ctx.params, 'startWaitMs', 5000, { min: 0, max: 600_000 });
  while (Date.now() < deadline && !(await isAlive(ctx))) {
    if (!(await ctx.sleep(START_POLL_MS))) return;
  }
}

/**
 * An admin call that must succeed: anything but a 2xx stops the case with what the target said.
 * `lane`: the load lane, when the call is part of an operation (see HttpRequest.lane).
 */
export async function adminCall(
  ctx: ScenarioContext,
  path: string,
  json: unknown = {},
  lane?: number,
): Promise<unknown> {
  const answer = await ctx.http({ method: 'POST', path, json, timeoutMs: PROBE_TIMEOUT_MS * 2, lane });
  if (answer.status < 200 || answer.status >= 300)
    throw new Error(`POST ${path} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
  return jsonOf(answer.body);
}

/** GET of a JSON document that must be there; a missing route skips the case. */
export async function readJson(ctx: ScenarioContext, path: string): Promise<Record<string, unknown>> {
  const answer = await requireRoute(ctx, 'GET', path);
  const body = jsonOf(answer.body);
  if (answer.status !== 200 || !isRecord(body))
    throw new Error(
      `GET ${path} answered ${answer.status} without a JSON object: ${answer.body.slice(0, 200)}`,
    );
  return body;
}

/** The provider fallback chain, primary first (GET /providers). */
export async function providerChain(ctx: ScenarioContext): Promise<string[]> {
  const { chain } = await readJson(ctx, '/providers');
  if (!Array.isArray(chain) || chain.length === 0 || chain.some((p) => typeof p !== 'string')) {
    throw new Error(
      `GET /providers: expected "chain" to be a non-empty list of provider names, got ${JSON.stringify(chain)?.slice(0, 100)}`,
    );
  }
  return chain as string[];
}

/** Sets a provider's admin state (up, down, slow, flapping) through POST /admin/providers/NAME. */
export function setProviderState(
  ctx: ScenarioContext,
  provider: string,
  state: Record<string, unknown>,
): Promise<unknown> {
  return adminCall(ctx, `/admin/providers/${encodeURIComponent(provider)}`, state);
}

/**
 * The first providers of the chain, one per entry of the parameter `param` asking for them; the
 * last provider is never among them, so the chain always has one left to answer.
 */
export function chainHead(chain: readonly string[], param: string, entries: readonly unknown[]): string[] {
  if (entries.length >= chain.length)
    throw new ScenarioParamError(
      param,
      `fewer entries than the target's ${chain.length} providers (the last one must stay up)`,
      entries,
    );
  return chain.slice(0, entries.length);
}

/** Skips unless the provider admin hook exists. */
export async function requireProviderHook(ctx: ScenarioContext, chain: readonly string[]): Promise<void> {
  await requireRoute(ctx, 'POST', `/admin/providers/${encodeURIComponent(chain[0])}`);
}

/** Puts every named provider back up; used in `finally`, so one failure does not stop the rest. */
export async function restoreProviders(ctx: ScenarioContext, providers: readonly string[]): Promise<void> {
  const results = await Promise.allSettled(providers.map((p) => setProviderState(ctx, p, { state: 'up' })));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** One sample value from the target's Prometheus text (first series of that name). */
export async function readMetric(ctx: ScenarioContext, name: string): Promise<number | undefined> {
  const answer = await ctx.http({
    path: pathParam(ctx.params, 'metricsPath', '/metrics'),
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  if (answer.status !== 200) return undefined;
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(answer.body);
  return match ? Number(match[1]) : undefined;
}
