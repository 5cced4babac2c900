/**
 * Requests per load-generating agent, from the User-Agent agents send
 * (`stampede/<version> agent=<id>`), so each agent's share of a run can be checked against what
 * the target saw. Bounded: past MAX_AGENTS ids the rest count under "other"; requests without
 * the marker count under "unknown".
 */
const MAX_AGENTS = 1000;
const AGENT_ID = /^[A-Za-z0-9._:@-]{1,64}$/;

export const UNKNOWN_AGENT = 'unknown';
export const OTHER_AGENTS = 'other';

export function agentOf(userAgent: string | undefined): string {
  const [product = '', ...tokens] = (userAgent ?? '').split(/\s+/);
  if (!product.startsWith('stampede/')) return UNKNOWN_AGENT;
  const id = tokens.find((token) => token.startsWith('agent='))?.slice('agent='.length) ?? '';
  return AGENT_ID.test(id) ? id : UNKNOWN_AGENT;
}

export class AgentCounts {
  private readonly counts = new Map<string, number>();

  record(agent: string): void {
    const key = this.counts.has(agent) || this.counts.size < MAX_AGENTS ? agent : OTHER_AGENTS;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
