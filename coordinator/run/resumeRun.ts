/**
 * `coordinator resume RUN_ID`: finish a run whose coordinator died (or was stopped), from what the
 * runs stream holds. The run is rebuilt (rebuildRun.ts), every shard settled before is kept as it
 * was, the rest is dispatched again under a new generation (so any attempt of the old one still
 * paused on an agent stops at the first lease it hears), and one report is written for the whole
 * run. With the embedded default the nats-server is restarted on the run's kept store.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type ClusterSettings, type StressConfig } from '../../shared/config/config.js';
import { ClusterError, UsageError } from '../../shared/errors.js';
import { STREAMS, SUBJECTS, type RunPlan } from '../../shared/protocol/index.js';
import { isSuiteName, type SuiteName } from '../../shared/model/catalogue.js';
import { startEmbeddedNats, startTargetChild, type EmbeddedCluster } from '../cluster/embedded.js';
import { RunSession } from '../dispatch/runSession.js';
import { isSettled } from '../dispatch/runState.js';
import { runCases } from './caseLoop.js';
import { finishRun } from './finishRun.js';
import { connectCoordinator, watchCluster, type Bus, type Connection } from './joinBus.js';
import { rebuildRun, type RebuiltRun } from './rebuildRun.js';
import type { RunOutcome, RunRequest } from './request.js';
import { leasedRuns, readStoredRun, type StoredRun } from './storedRun.js';

export interface ResumeRequest
  extends Pick<
    RunRequest,
    | 'natsUrl'
    | 'target'
    | 'timeoutSec'
    | 'reportsDir'
    | 'saveReport'
    | 'debug'
    | 'log'
    | 'onProgress'
    | 'interrupted'
    | 'tls'
    | 'replicas'
  > {
  runId: string;
  storeDir: string;
  /** Agents to wait for (default: as many as the run waited for). */
  agents?: number;
  /** Config files whose cluster section replaces the one the run was planned with. */
  configFiles: string[];
}

/** Brings up the store: the cluster at --nats, or the embedded nats-server on the kept store. */
async function openStore(request: ResumeRequest, cleanups: (() => Promise<void>)[]) {
  if (request.natsUrl) return { natsUrl: request.natsUrl, embedded: undefined };
  if (!existsSync(path.join(request.storeDir, 'jetstream')))
    throw new UsageError(
      `no embedded store at ${request.storeDir}: pass --nats URL of the run's cluster, or --store DIR (or --reports-dir DIR) where the run kept it`,
    );
  const embedded = await startEmbeddedNats(request.storeDir, request);
  cleanups.push(() => embedded.stop());
  if (!embedded.storeDir)
    throw new ClusterError(`${embedded.storeRefusal}: resume the run there (--nats URL)`);
  return { natsUrl: embedded.natsUrl, embedded };
}

async function loadRun(
  bus: Connection,
  request: ResumeRequest,
  cluster: ClusterSettings,
): Promise<StoredRun> {
  const stored = await readStoredRun(bus, request.runId, bus.rejected);
  if (!stored)
    throw new UsageError(
      `run ${request.runId} is not in ${STREAMS.runs}; "coordinator runs" lists the runs stored there`,
    );
  const last = stored.states.at(-1);
  if (last?.status === 'completed')
    throw new UsageError(
      `run ${request.runId} already completed (${new Date(last.at).toISOString()}); nothing to resume`,
    );
  // A coordinator still leasing the run owns it: two would dispatch the same shards.
  const probeMs = 2.5 * Math.max(cluster.leasePeriodMs, stored.plan.request?.cluster.leasePeriodMs ?? 0);
  if ((await leasedRuns(bus.nc, probeMs)).has(request.runId))
    throw new ClusterError(
      `run ${request.runId} is still running: its coordinator's lease is being published`,
    );
  return stored;
}

function configOf(plan: RunPlan, files: string[]): StressConfig {
  const planned = plan.request!;
  const cluster = files.length > 0 ? loadConfig(files).cluster : planned.cluster;
  return {
    cluster,
    cases: new Map(),
    sources: files.length > 0 ? [...planned.config, ...files] : planned.config,
    custom: [],
    warnings: [],
  };
}

/** The target the resume loads: the one asked for, the run's own, or a new reference target. */
async function targetOf(
  request: ResumeRequest,
  plan: RunPlan,
  embedded: EmbeddedCluster | undefined,
  cleanups: (() => Promise<void>)[],
): Promise<string> {
  if (request.target) return request.target;
  if (!plan.request?.embeddedTarget) return plan.target;
  let url: string;
  if (embedded) url = await embedded.addTarget();
  else {
    const local = await startTargetChild(request.debug);
    cleanups.push(() => local.child.stop());
    url = local.url;
  }
  request.log(`the run used the reference target: a new one is at ${url}`);
  return url;
}

/** The session of the resumed generation, with the shards the rebuild settled recorded. */
async function openSession(
  bus: Bus,
  request: ResumeRequest,
  stored: StoredRun,
  rebuilt: RebuiltRun,
  cluster: ClusterSettings,
) {
  const { runId, log } = request;
  const session = new RunSession({
    ...bus,
    runId,
    generation: rebuilt.generation,
    cluster,
    agents: bus.roster,
    offlineMs: () => bus.offline.offlineMs(),
    resultsAfterSeq: stored.lastSeq,
    log,
  });
  session.register(rebuilt.runs);
  await session.open();
  for (const shard of rebuilt.newlySettled) session.journal.settled(shard);
  // Shards of the earlier generation still queued (or stuck after their last delivery) go.
  await bus.jsm.streams.purge(STREAMS.work, { filter: SUBJECTS.shardsOf(runId) }).catch(() => undefined);
  await session.markRun('running', `resumed as generation ${rebuilt.generation}`);
  return session;
}

export async function resumeRun(request: ResumeRequest): Promise<RunOutcome> {
  const { log, runId } = request;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const { natsUrl, embedded } = await openStore(request, cleanups);
    const provisional = loadConfig(request.configFiles).cluster;
    const access = {
      natsUrl,
      connection: embedded ? embedded.connection : { tls: request.tls },
      replicas: request.replicas,
    };
    const connection = await connectCoordinator(access, provisional, log, cleanups);
    const stored = await loadRun(connection, request, provisional);
    const { plan } = stored;
    const planned = plan.request;
    if (!planned)
      throw new UsageError(`run ${runId} cannot be resumed: it was planned by an older coordinator`);
    const rebuilt = rebuildRun(stored);
    const config = configOf(plan, request.configFiles);
    const bus = await watchCluster(connection, config.cluster, log, cleanups);
    const target = await targetOf(request, plan, embedded, cleanups);
    const agents = request.agents ?? planned.agents;
    const thermalAgent = rebuilt.runs.some((r) => r.planned.definition.needs === 'thermal');
    embedded?.addAgents({ agents, thermalAgent, configFiles: config.sources.slice(1) });
    const session = await openSession(bus, request, stored, rebuilt, config.cluster);
    cleanups.push(() => session.close());
    const left = rebuilt.runs.reduce((n, r) => n + r.shards.filter((s) => !isSettled(s)).length, 0);
    log(`run ${runId}: resuming as generation ${rebuilt.generation}; ${left} shard(s) left to run`);
    if (left > 0) await waitForAgents(bus, agents, config.cluster.agentWaitMs, log);
    const loop = await runCases(session, rebuilt.runs, target, request);
    return await finishRun({
      runId,
      startedAt: new Date(planned.startedAt),
      request: {
        mode: planned.mode,
        suites: plan.selection.filter(isSuiteName) as SuiteName[],
        config,
        skippedSuites: planned.skipped,
        reportsDir: request.reportsDir,
        saveReport: request.saveReport,
      },
      target,
      runs: rebuilt.runs,
      loop,
      session,
      roster: bus.roster,
      rejectedMessages: bus.rejected.total(),
    });
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((e) => log(`clean-up: ${(e as Error).message}`));
  }
}

async function waitForAgents(bus: Bus, wanted: number, waitMs: number, log: (line: string) => void) {
  log(`waiting up to ${waitMs / 1000} s for ${wanted} agent(s)`);
  if (!(await bus.roster.waitFor(() => bus.roster.live().length >= wanted, waitMs)))
    throw new ClusterError(
      `waited ${waitMs / 1000} s for ${wanted} agent(s); ${bus.roster.live().length} came`,
      'E_NO_AGENTS',
    );
}
