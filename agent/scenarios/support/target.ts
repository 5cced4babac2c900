/**
 * What scenarios ask the target outside their measured load: is it alive, does it have the admin
 * hook a case needs, what does its /metrics say, what is its provider chain. None of these calls is
 * recorded; they are the case's set-up and its evidence.
 */
import type { HttpResponse, ScenarioContext } from '../../../shared/scenario.js';
import { pathParam } from './params.js';
import { isRecord, jsonOf } from './targetClient.js';

const PROBE_TIMEOUT_MS = 3000;
/** Statuses that mean "no such route" rather than "the route refused this request". */
const MISSING_ROUTE = new Set([404, 405, 501]);

/** True when the target answers its liveness path with anything but a 5xx. */
export async function isAlive(ctx: ScenarioContext): Promise<boolean> {
  try {
    const answer = await ctx.http({ path: pathParam(ctx.params, 'alivePath', '/ping'), timeoutMs: PROBE_TIMEOUT_MS });
    return answer.status < 500;
  } catch {
    return false;
  }
}

/** Gauge `aliveAfter`: 1 when the target still answers once the case's inputs are through. */
export async function recordAliveAfter(ctx: ScenarioContext): Promise<boolean> {
  const alive = await isAlive(ctx);
  ctx.gauge('aliveAfter', alive ? 1 : 0);
  return alive;
}

/**
 * Skips the case when the target lacks a route it needs. `probe` must be a body the route refuses
 * (e.g. `{}` where fields are required), so that probing changes nothing; every shard can then probe
 * while only one of them acts.
 */
export async function requireRoute(ctx: ScenarioContext, method: 'GET' | 'POST', path: string, probe?: unknown): Promise<HttpResponse> {
  const answer = await ctx.http({ method, path, ...(probe !== undefined ? { json: probe } : {}), timeoutMs: PROBE_TIMEOUT_MS });
  if (MISSING_ROUTE.has(answer.status)) ctx.skip(`target has no ${path.startsWith('/admin') ? 'admin hook' : 'route'} ${method} ${path} (HTTP ${answer.status})`);
  return answer;
}

/** An admin call that must succeed: anything but a 2xx stops the case with what the target said. */
export async function adminCall(ctx: ScenarioContext, path: string, json: unknown = {}): Promise<unknown> {
  const answer = await ctx.http({ method: 'POST', path, json, timeoutMs: PROBE_TIMEOUT_MS * 2 });
  if (answer.status < 200 || answer.status >= 300) throw new Error(`POST ${path} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
  return jsonOf(answer.body);
}

/** GET of a JSON document that must be there; a missing route skips the case. */
export async function readJson(ctx: ScenarioContext, path: string): Promise<Record<string, unknown>> {
  const answer = await requireRoute(ctx, 'GET', path);
  const body = jsonOf(answer.body);
  if (answer.status !== 200 || !isRecord(body)) throw new Error(`GET ${path} answered ${answer.status} without a JSON object: ${answer.body.slice(0, 200)}`);
  return body;
}

/** The provider fallback chain, primary first (GET /providers). */
export async function providerChain(ctx: ScenarioContext): Promise<string[]> {
  const { chain } = await readJson(ctx, '/providers');
  if (!Array.isArray(chain) || chain.length === 0 || chain.some((p) => typeof p !== 'string')) {
    throw new Error(`GET /providers: expected "chain" to be a non-empty list of provider names, got ${JSON.stringify(chain)?.slice(0, 100)}`);
  }
  return chain as string[];
}

/** Sets a provider's admin state (up, down, slow, flapping) through POST /admin/providers/NAME. */
export function setProviderState(ctx: ScenarioContext, provider: string, state: Record<string, unknown>): Promise<unknown> {
  return adminCall(ctx, `/admin/providers/${encodeURIComponent(provider)}`, state);
}

/** Skips unless the provider admin hook exists (an empty body is refused without changing anything). */
export async function requireProviderHook(ctx: ScenarioContext, chain: readonly string[]): Promise<void> {
  await requireRoute(ctx, 'POST', `/admin/providers/${encodeURIComponent(chain[0])}`, {});
}

/** Puts every named provider back up; used in `finally`, so one failure does not stop the rest. */
export async function restoreProviders(ctx: ScenarioContext, providers: readonly string[]): Promise<void> {
  const results = await Promise.allSettled(providers.map((p) => setProviderState(ctx, p, { state: 'up' })));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** One sample value from the target's Prometheus text (first series of that name). */
export async function readMetric(ctx: ScenarioContext, name: string): Promise<number | undefined> {
  const answer = await ctx.http({ path: pathParam(ctx.params, 'metricsPath', '/metrics'), timeoutMs: PROBE_TIMEOUT_MS });
  if (answer.status !== 200) return undefined;
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(answer.body);
  return match ? Number(match[1]) : undefined;
}
