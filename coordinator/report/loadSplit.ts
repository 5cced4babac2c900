/** Where a case's load went: each shard's share and its agent, for the text and HTML reports. */
import type { CaseReport, ShardReport } from './types.js';

const fmt = (n: number) => String(Math.round(n * 10) / 10);

/** Each shard's connections (or rate) and the agent that ran it: where the plan put the load. */
export function loadSplit(c: CaseReport): string {
  const open = c.shards.some((s) => s.load.rate > 0);
  const share = (s: ShardReport) => (open ? s.load.rate : s.load.connections);
  const total = c.shards.reduce((sum, s) => sum + share(s), 0) || 1;
  return c.shards
    .map((s) => {
      const moved =
        s.plannedAgentId && s.agentId !== s.plannedAgentId ? ` (planned ${s.plannedAgentId})` : '';
      return `${s.agentId ?? 'no agent'}${moved} ${fmt(share(s))} ${open ? 'ops/s' : 'conn'} (${fmt((100 * share(s)) / total)}%)`;
    })
    .join(', ');
}
