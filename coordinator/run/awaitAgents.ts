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
  // General cases need agents serving general work: a thermal-only agent does not count for them.
  const general = request.cases.some((c) => c.definition.needs === 'http');
  const counted = () => (general ? roster.live('http') : roster.live());
  log(
    `waiting up to ${config.cluster.agentWaitMs / 1000} s for ${wanted}${general ? ' general' : ''} agent(s)`,
  );
  if (!(await roster.waitFor(() => counted().length >= wanted, config.cluster.agentWaitMs))) {
    throw new ClusterError(
      missingAgents(roster, wanted, general, config.cluster.agentWaitMs, request.natsUrl),
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

/** Why the run cannot start: who came, who was refused, and what was missing. */
function missingAgents(
  roster: Roster,
  wanted: number,
  general: boolean,
  waitedMs: number,
  natsUrl: string | undefined,
): string {
  const came = roster.live().map((a) => a.announce.agentId);
  const thermalOnly = roster
    .live()
    .filter((a) => !a.announce.capabilities.includes('http'))
    .map((a) => a.announce.agentId);
  const refused = [...roster.refused.values()];
  const noGeneral =
    general && thermalOnly.length > 0 && roster.live('http').length === 0
      ? `no general agent is available: ${thermalOnly.join(', ')} take${thermalOnly.length === 1 ? 's' : ''} thermal shards only (start it with --general, or start another agent); `
      : '';
  const uncounted =
    general && thermalOnly.length > 0 && !noGeneral
      ? `; not counted for general cases (thermal shards only): ${thermalOnly.join(', ')}`
      : '';
  return `${noGeneral}waited ${waitedMs / 1000} s for ${wanted} agent(s); ${came.length} came${came.length ? ` (${came.join(', ')})` : ''}${uncounted}${refused.length ? `; ${refused.join('; ')}` : ''}. Start agents with "npx agent start --nats ${natsUrl ?? 'URL'}"`;
}
