/**
 * The upstream fault proxy between the target and its providers (target/README.md, "Upstreams and
 * the upstream fault proxy"): network cases set faults on the provider path through its control
 * API and read its counts as the evidence that the faults struck. The control URL comes from the
 * coordinator (the embedded cluster's proxy, or `run --upstream URL`) as the `upstreamControl`
 * parameter.
 */
import type { ScenarioContext } from '../../../shared/model/scenario.js';
import { intParam } from '../../../shared/model/params.js';
import { isRecord, jsonOf } from './json.js';
import { SideService, sideUrlParam } from './sideService.js';

export interface LaneCounts {
  requests: number;
  forwarded: number;
  failed: number;
  reset: number;
  blackholed: number;
  oscillationDown: number;
}

const COUNT_NAMES: (keyof LaneCounts)[] = [
  'requests',
  'forwarded',
  'failed',
  'reset',
  'blackholed',
  'oscillationDown',
];

export interface Lane {
  name: string;
  url: string;
  counts: LaneCounts;
}

export class UpstreamControl {
  private constructor(private readonly service: SideService) {}

  /** Skips the case when no control URL was given: its faults belong on the provider path. */
  static open(ctx: ScenarioContext): UpstreamControl {
    const url = sideUrlParam(ctx, 'upstreamControl');
    if (!url)
      ctx.skip(
        'not applicable: no upstream fault proxy (run with --upstream CONTROL_URL, see target/README.md#upstreams-and-the-upstream-fault-proxy)',
      );
    return new UpstreamControl(new SideService(ctx, url, 'upstream proxy'));
  }

  async lanes(): Promise<Lane[]> {
    const { proxies } = await this.service.call('GET', '/proxies');
    if (!Array.isArray(proxies)) throw new Error('upstream proxy: GET /proxies has no "proxies" list');
    return proxies.flatMap((p) => {
      if (!isRecord(p) || typeof p.name !== 'string' || !isRecord(p.counts)) return [];
      const raw = p.counts;
      const counts = Object.fromEntries(
        COUNT_NAMES.map((n) => [n, typeof raw[n] === 'number' ? raw[n] : 0]),
      ) as unknown as LaneCounts;
      return [{ name: p.name, url: typeof p.url === 'string' ? p.url : '', counts }];
    });
  }

  /** Replaces the faults of one provider lane. */
  async setFaults(lane: string, faults: unknown): Promise<void> {
    await this.service.call('POST', `/proxies/${encodeURIComponent(lane)}/faults`, faults);
  }

  async setAll(faults: unknown): Promise<void> {
    await this.service.call('POST', '/faults', faults);
  }

  async clearAll(): Promise<void> {
    await this.service.call('DELETE', '/faults');
  }

  close(): Promise<void> {
    return this.service.close();
  }
}

/** Counts of every lane added up, or of the named lanes only. */
export function totalCounts(lanes: readonly Lane[], names?: readonly string[]): LaneCounts {
  const total: LaneCounts = {
    requests: 0,
    forwarded: 0,
    failed: 0,
    reset: 0,
    blackholed: 0,
    oscillationDown: 0,
  };
  for (const lane of lanes)
    if (!names || names.includes(lane.name)) for (const n of COUNT_NAMES) total[n] += lane.counts[n];
  return total;
}

export function countsSince(before: LaneCounts, after: LaneCounts): LaneCounts {
  const delta = { ...after };
  for (const n of COUNT_NAMES) delta[n] = after[n] - before[n];
  return delta;
}

/**
 * Runs `body` with the proxy open and its lanes read before; the faults are cleared afterwards
 * whatever happens, so a case never leaves the provider path broken for the cases after it, and
 * the case waits `settleMs` more (past a circuit breaker's usual open time) so that the next case
 * starts with the target's providers closed again rather than with this case's residue.
 */
export async function withUpstream<T>(
  ctx: ScenarioContext,
  body: (upstream: UpstreamControl, lanes: Lane[]) => Promise<T>,
): Promise<T> {
  const upstream = UpstreamControl.open(ctx);
  const settleMs = intParam(ctx.params, 'settleMs', 1200, { min: 0, max: 60_000 });
  try {
    const lanes = await upstream.lanes();
    if (lanes.length === 0) throw new Error('upstream proxy: GET /proxies lists no provider lanes');
    try {
      return await body(upstream, lanes);
    } finally {
      await upstream.clearAll();
      await ctx.sleep(settleMs);
    }
  } finally {
    await upstream.close();
  }
}

/** Records what the proxy did to the provider calls during the case, as counters. */
export function countUpstream(ctx: ScenarioContext, delta: LaneCounts): void {
  ctx.count('upstreamCalls', delta.requests);
  ctx.count('upstreamFaults', delta.failed + delta.reset + delta.blackholed);
}

/**
 * The proxy's lanes in the target's fallback order when it tells its chain (GET /providers), else
 * in the proxy's order: the first lanes are the ones a case degrades, the last stays healthy.
 */
export async function lanesInChainOrder(ctx: ScenarioContext, lanes: readonly Lane[]): Promise<Lane[]> {
  const answer = await ctx.http({ path: '/providers', timeoutMs: 3000 }).catch(() => undefined);
  const body = answer?.status === 200 ? jsonOf(answer.body) : undefined;
  const chain = isRecord(body) && Array.isArray(body.chain) ? body.chain : [];
  const rank = (name: string) => {
    const i = chain.indexOf(name);
    return i < 0 ? chain.length : i;
  };
  return [...lanes].sort((a, b) => rank(a.name) - rank(b.name));
}
