/**
 * One run from the coordinator's side, used by `run` and `load`: bring up (or join) the cluster,
 * wait for the agents needed, plan, dispatch each test case in turn, judge, and write the reports.
 * Whatever happens after the agents are in (a failing case, the run timeout, Ctrl-C), the reports
 * are written with everything measured so far.
 */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  connectBus,
  ensureTopology,
  jetstreamManager,
  openAgentsBucket,
} from '../../shared/bus/connection.js';
import type { Capability } from '../../shared/model/catalogue.js';
import { RejectedMessages } from '../../shared/protocol/index.js';
import { startEmbeddedCluster, type EmbeddedCluster } from '../cluster/embedded.js';
import { startReferenceStack } from '../cluster/referenceStack.js';
import { prepareCases } from '../probe/applicability.js';
import { planCase } from '../plan/planner.js';
import { buildReport } from '../report/buildReport.js';
import type { AgentReport } from '../report/types.js';
import { writeReports } from '../report/writeReports.js';
import { Roster } from '../cluster/roster.js';
import { RunSession } from '../dispatch/runSession.js';
import { newCaseRun } from '../dispatch/runState.js';
import { judgeCase } from '../results/verdicts.js';
import { planMessage } from './planMessage.js';
import { newRunId } from './runId.js';
import { awaitAgents } from './awaitAgents.js';
import { runCases } from './caseLoop.js';
import type { RunOutcome, RunRequest } from './request.js';

export type { RunOutcome, RunRequest, SelectedCase } from './request.js';

export async function executeRun(request: RunRequest): Promise<RunOutcome> {
  const { log } = request;
  const cleanups: (() => Promise<void>)[] = [];
  let embedded: EmbeddedCluster | undefined;
  try {
    let natsUrl = request.natsUrl;
    let target = request.target;
    let upstream = request.upstream;
    if (!natsUrl) {
      const thermalAgent = request.cases.some((c) => c.definition.needs === 'thermal');
      log(
        `starting the embedded cluster: nats-server, ${request.agents} local agent(s)${thermalAgent ? ', a thermal agent with a scripted sensor' : ''}${target ? '' : ', the supervised reference target behind the upstream fault proxy'}`,
      );
      embedded = await startEmbeddedCluster({
        agents: request.agents,
        target: !target,
        thermalAgent,
        debug: request.debug,
      });
      cleanups.push(() => embedded!.stop());
      natsUrl = embedded.natsUrl;
      target ??= embedded.targetUrl;
      upstream ??= embedded.upstreamControl;
      log(`embedded cluster: NATS ${natsUrl}${embedded.targetUrl ? `, target ${embedded.targetUrl}` : ''}`);
    } else if (!target) {
      const local = await startReferenceStack({ debug: request.debug });
      cleanups.push(() => local.stop());
      target = local.targetUrl;
      upstream ??= local.upstreamControl;
      log(
        `no --target given: started the reference target at ${target} (agents on other hosts cannot reach it; pass --target URL)`,
      );
    }
    const nc = await connectBus({ url: natsUrl, name: 'stampede-coordinator' });
    cleanups.push(() => nc.drain().catch(() => undefined));
    return await runOnBus(nc, { ...request, upstream }, target!, cleanups);
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((e) => log(`clean-up: ${(e as Error).message}`));
  }
}

async function runOnBus(
  nc: NatsConnection,
  request: RunRequest,
  target: string,
  cleanups: (() => Promise<void>)[],
): Promise<RunOutcome> {
  const { log, config } = request;
  const rejected = new RejectedMessages(log);
  const jsm = await jetstreamManager(nc);
  await ensureTopology(jsm, config.cluster);
  const roster = new Roster(rejected, log);
  await roster.watch(await openAgentsBucket(nc));
  cleanups.push(async () => roster.close());

  const startedAt = new Date();
  const agentsIn = await awaitAgents(roster, request);
  const { skippedSuites } = agentsIn;
  const prepared = await prepareCases(agentsIn.cases, target, { upstream: request.upstream, log });
  cleanups.push(prepared.close);
  const { cases, notApplicable } = prepared;

  const runId = newRunId();
  const eligible = (capability: Capability) =>
    roster.live(capability).map((a) => ({ agentId: a.announce.agentId, threads: a.announce.threads }));
  const runs = cases.map((c) => {
    const run = newCaseRun(planCase(c.definition, c.settings, eligible(c.definition.needs)));
    run.skipReason = notApplicable.get(run.planned.id)?.reason;
    return run;
  });
  const session = new RunSession({
    nc,
    js: jetstream(nc),
    jsm,
    runId,
    cluster: config.cluster,
    rejected,
    log,
  });
  await session.open();
  cleanups.push(async () => session.close());
  const plan = planMessage(runId, request.suites, target, runs);
  await session.publishPlan(plan);
  log(`run ${runId}: ${runs.length} test case(s) against ${target} on ${roster.live().length} agent(s)`);

  const { status, statusNote, judged } = await runCases(session, runs, target, request);

  // Cases the run never reached (interrupted, timed out) are judged here, the others only once.
  const caseReports = runs.map((run) => judged.get(run) ?? judgeCase(run));
  const report = buildReport({
    runId,
    startedAt,
    status,
    statusNote,
    request,
    target,
    skippedSuites,
    caseReports,
    agents: agentReports(roster),
    capabilities: prepared.probe?.capabilities,
    notApplicable: new Map([...notApplicable].map(([id, n]) => [id, n.lacking])),
    bus: { rejectedMessages: rejected.total(), ...session.fenceCounts() },
  });
  const written = writeReports(report, request.reportsDir, request.saveReport);
  return { report, written, exitCode: report.exitCode };
}

function agentReports(roster: Roster): AgentReport[] {
  return roster.everSeen().map((a) => ({
    agentId: a.agentId,
    host: a.host,
    cores: a.cores,
    threads: a.threads,
    memoryBytes: a.memoryBytes,
    cpuModel: a.cpuModel,
    platform: a.platform,
    capabilities: a.capabilities,
    protocol: a.protocol,
    lostAt: roster.lost.has(a.agentId) ? new Date(roster.lost.get(a.agentId)!).toISOString() : undefined,
  }));
}
