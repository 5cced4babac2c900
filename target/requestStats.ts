/**
 * Counts of answered requests: a running total, per route and status, and per second over the last
 * five minutes, so the cluster's report can be checked against what the target actually saw.
 */
const WINDOW_SECONDS = 300;

export interface RouteCount {
  method: string;
  route: string;
  status: number;
  count: number;
}

export interface StatsSnapshot {
  total: number;
  /** Seconds with at least one request, oldest first. */
  perSecond: { t: number; n: number }[];
  /** Keyed "METHOD /route/pattern". */
  byRoute: Record<string, { total: number; byStatus: Record<string, number> }>;
}

export class RequestStats {
  private total = 0;
  private readonly secondOfSlot = new Array<number>(WINDOW_SECONDS).fill(-1);
  private readonly countOfSlot = new Array<number>(WINDOW_SECONDS).fill(0);
  /** Keyed "METHOD /route". */
  private readonly byRoute = new Map<
    string,
    { method: string; route: string; statuses: Map<number, number> }
  >();

  record(method: string, route: string, status: number, nowMs = Date.now()): void {
    this.total++;
    const second = Math.floor(nowMs / 1000);
    const slot = second % WINDOW_SECONDS;
    if (this.secondOfSlot[slot] !== second) {
      this.secondOfSlot[slot] = second;
      this.countOfSlot[slot] = 0;
    }
    this.countOfSlot[slot]++;
    const key = `${method} ${route}`;
    let entry = this.byRoute.get(key);
    if (!entry) this.byRoute.set(key, (entry = { method, route, statuses: new Map() }));
    entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
  }

  snapshot(nowMs = Date.now()): StatsSnapshot {
    const oldest = Math.floor(nowMs / 1000) - WINDOW_SECONDS;
    const perSecond = this.secondOfSlot
      .map((t, slot) => ({ t, n: this.countOfSlot[slot] }))
      .filter(({ t }) => t > oldest)
      .sort((a, b) => a.t - b.t);
    const byRoute: StatsSnapshot['byRoute'] = {};
    for (const [key, { statuses }] of this.byRoute) {
      byRoute[key] = {
        total: [...statuses.values()].reduce((sum, n) => sum + n, 0),
        byStatus: Object.fromEntries([...statuses].map(([status, n]) => [String(status), n])),
      };
    }
    return { total: this.total, perSecond, byRoute };
  }

  counts(): RouteCount[] {
    return [...this.byRoute.values()].flatMap(({ method, route, statuses }) =>
      [...statuses].map(([status, count]) => ({ method, route, status, count })),
    );
  }
}
