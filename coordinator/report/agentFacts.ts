/** An agent's host facts as reports and live views show them, from its announce. */
import type { Announce } from '../../shared/protocol/index.js';

export function agentFacts(a: Announce) {
  return {
    agentId: a.agentId,
    host: a.host,
    cores: a.cores,
    threads: a.threads,
    weight: a.weight ?? 1,
    memoryBytes: a.memoryBytes,
    cpuModel: a.cpuModel,
    platform: a.platform,
    capabilities: a.capabilities,
  };
}
