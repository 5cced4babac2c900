/**
 * Waits (bounded) for the agents a run needs: the number asked for, and a thermal agent when the
 * thermal suite is selected. Missing agents are a cluster failure naming who came and who was
 * refused; a missing thermal agent skips the thermal suite unless it was asked for by name.
 */
import { ClusterError } from '../../shared/errors.js';
import type { Roster } from '../cluster/roster.js';
import type { RunRequest, SelectedCase } from './request.js';

const THERMAL_WAIT_MS = 10_000;

export async function awaitAgents(
  roster: Roster,
  request: RunRequest,
): Promise<{ cases: SelectedCase[]; skippedSuites: RunRequest['skippedSuites'] }> {
  const { log, config } = request;
  const wanted = request.agents;
  log(`waiting up to ${config.cluster.agentWaitMs / 1000} s for ${wanted} agent(s)`);
  if (!(await roster.waitFor(() => roster.live().length >= wanted, config.cluster.agentWaitMs))) {
    const came = roster.live().map((a) => a.announce.agentId);
    const refused = [...roster.refused.values()];
    throw new ClusterError(
      `waited ${config.cluster.agentWaitMs / 1000} s for ${wanted} agent(s); ${came.length} came${came.length ? ` (${came.join(', ')})` : ''}${refused.length ? `; ${refused.join('; ')}` : ''}. Start agents with "npx agent start --nats ${request.natsUrl ?? 'URL'}"`,
      'E_NO_AGENTS',
    );
  }

  const skippedSuites = [...request.skippedSuites];
  let cases = request.cases;
  if (cases.some((c) => c.definition.needs === 'thermal') && roster.live('thermal').length === 0) {
    log(`waiting up to ${THERMAL_WAIT_MS / 1000} s for an agent with the thermal capability`);
    if (!(await roster.waitFor(() => roster.live('thermal').length > 0, THERMAL_WAIT_MS))) {
      const reason = `no agent with the thermal capability joined within ${THERMAL_WAIT_MS / 1000} s (start one with "agent start --thermal")`;
      if (request.requireThermal) throw new ClusterError(`--suite thermal: ${reason}`, 'E_NO_THERMAL_AGENT');
      skippedSuites.push({ suite: 'thermal', reason });
      log(`skipping the thermal suite: ${reason}`);
      cases = cases.filter((c) => c.definition.needs !== 'thermal');
    }
  }

  return { cases, skippedSuites };
}
