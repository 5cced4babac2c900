/**
 * One run from the coordinator's side, used by `run` and `load`: bring up (or join) the cluster,
 * wait for the agents needed, plan, dispatch each test case in turn, judge, and write the reports.
 * Whatever happens after the agents are in (a failing case, the run timeout, Ctrl-C), the reports
 * are written with everything measured so far. The plan and every decision go into the runs
 * stream, so `coordinator resume` can finish a run whose coordinator died.
 */
import { STREAMS } from '../../shared/protocol/index.js';
import { prepareCases } from '../probe/applicability.js';
import { planCase } from '../plan/planner.js';
import { RunSession } from '../dispatch/runSession.js';
import { newCaseRun } from '../dispatch/runState.js';
import { bringUpCluster, storeDirOf } from './bringUp.js';
import { planMessage } from './planMessage.js';
import { newRunId } from './runId.js';
import { awaitAgents } from './awaitAgents.js';
import { runCases } from './caseLoop.js';
import { finishRun } from './finishRun.js';
import { joinBus, type Bus } from './joinBus.js';
import type { RunOutcome, RunRequest } from './request.js';

export type { RunOutcome, RunRequest, SelectedCase } from './request.js';

export async function executeRun(request: RunRequest): Promise<RunOutcome> {
  const { log } = request;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const cluster = await bringUpCluster(
      {
        natsUrl: request.natsUrl,
        target: request.target,
        storeDir: storeDirOf(request),
        agents: request.agents,
        thermalAgent: request.cases.some((c) => c.definition.needs === 'thermal'),
        configFiles: request.config.sources.slice(1),
        debug: request.debug,
        tls: request.tls,
        log,
      },
      cleanups,
    );
    const bus = await joinBus(
      { natsUrl: cluster.natsUrl, connection: cluster.connection, replicas: request.replicas },
      request.config.cluster,
      log,
      cleanups,
    );
    // Shards a crashed run left in the kept store would hold agents up; its resume republishes them.
    if (cluster.keptStore) await bus.jsm.streams.purge(STREAMS.work).catch(() => undefined);
    const upstream = request.upstream ?? cluster.upstreamControl;
    return await runOnBus(bus, { ...request, upstream }, cluster.target, cluster.embeddedTarget, cleanups);
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((e) => log(`clean-up: ${(e as Error).message}`));
  }
}

async function runOnBus(
  bus: Bus,
  request: RunRequest,
  target: string,
  embeddedTarget: boolean,
  cleanups: (() => Promise<void>)[],
): Promise<RunOutcome> {
  const { log, config } = request;
  const { roster } = bus;
  const startedAt = new Date();
  const agentsIn = await awaitAgents(roster, request);
  const { skippedSuites } = agentsIn;
  const prepared = await prepareCases(agentsIn.cases, target, { upstream: request.upstream, log });
  cleanups.push(prepared.close);
  const { cases, notApplicable } = prepared;

  const runId = newRunId();
  const runs = cases.map((c) => {
    const run = newCaseRun(planCase(c.definition, c.settings, roster.eligible(c.definition.needs)));
    run.skipReason = notApplicable.get(run.planned.id)?.reason;
    return run;
  });
  const session = new RunSession({
    ...bus,
    runId,
    generation: 0,
    cluster: config.cluster,
    agents: roster,
    offlineMs: () => bus.offline.offlineMs(),
    log,
  });
  session.register(runs);
  await session.open();
  cleanups.push(() => session.close());
  const planned = { ...request, skippedSuites };
  await session.publishPlan(
    planMessage(runId, request.suites, target, runs, { request: planned, startedAt, embeddedTarget }),
  );
  await session.markRun('running');
  request.onPlanned?.(
    runId,
    roster.live().map((a) => a.announce),
  );
  log(`run ${runId}: ${runs.length} test case(s) against ${target} on ${roster.live().length} agent(s)`);

  const loop = await runCases(session, runs, target, request);
  return finishRun({
    runId,
    startedAt,
    request: planned,
    target,
    runs,
    loop,
    session,
    roster,
    rejectedMessages: bus.rejected.total(),
    capabilities: prepared.probe?.capabilities,
    notApplicable: new Map([...notApplicable].map(([id, n]) => [id, n.lacking])),
  });
}
