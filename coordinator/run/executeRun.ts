/**
 * One run from the coordinator's side, used by `run` and `load`: bring up (or join) the cluster,
 * wait for the agents needed, plan, dispatch each test case in turn, judge, and write the reports.
 * Whatever happens after the agents are in (a failing case, the run timeout, Ctrl-C), the reports
 * are written with everything measured so far.
 */
import { randomBytes } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  connectBus,
  ensureTopology,
  jetstreamManager,
  openAgentsBucket,
} from '../../shared/bus/connection.js';
import type { Capability, SuiteName, TestCaseDefinition } from '../../shared/model/catalogue.js';
import type { StressConfig } from '../../shared/config/config.js';
import { ClusterError, EXIT } from '../../shared/errors.js';
import { PROTOCOL_VERSION, RejectedMessages, type RunPlan } from '../../shared/protocol/index.js';
import type { CaseSettings } from '../../shared/model/testCase.js';
import { analyseFailures } from '../results/analysis.js';
import { startEmbeddedCluster, startTargetChild, type EmbeddedCluster } from '../cluster/embedded.js';
import { planCase } from '../plan/planner.js';
import {
  REPORT_SCHEMA,
  type CaseReport,
  type RunReport,
  type RunStatus,
  type SuiteReport,
} from '../report/types.js';
import { writeReports, type WrittenReports } from '../report/writeReports.js';
import { Roster } from '../cluster/roster.js';
import { RunSession } from '../dispatch/runSession.js';
import { newCaseRun, type CaseRun } from '../dispatch/runState.js';
import { gradeOf, judgeCase, judgeSuite } from '../results/verdicts.js';

export interface SelectedCase {
  definition: TestCaseDefinition;
  settings: CaseSettings;
}

export interface RunRequest {
  mode: string;
  suites: SuiteName[];
  skippedSuites: { suite: string; reason: string }[];
  cases: SelectedCase[];
  /** A thermal case with no thermal agent: skip it (--all) or fail the run (--suite thermal). */
  requireThermal: boolean;
  natsUrl?: string;
  agents: number;
  target?: string;
  timeoutSec?: number;
  config: StressConfig;
  reportsDir: string;
  saveReport?: string;
  debug?: boolean;
  log: (line: string) => void;
  /** Called once per second while a case runs, with its live state. */
  onProgress?: (run: CaseRun) => void;
  /** Resolves when the user interrupts (Ctrl-C). */
  interrupted: Promise<void>;
}

export interface RunOutcome {
  report: RunReport;
  written: WrittenReports;
  exitCode: number;
}

function newRunId(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `r${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${randomBytes(3).toString('hex')}`;
}

const THERMAL_WAIT_MS = 10_000;

export async function executeRun(request: RunRequest): Promise<RunOutcome> {
  const { log } = request;
  const cleanups: (() => Promise<void>)[] = [];
  let embedded: EmbeddedCluster | undefined;
  try {
    let natsUrl = request.natsUrl;
    let target = request.target;
    if (!natsUrl) {
      const thermalAgent = request.cases.some((c) => c.definition.needs === 'thermal');
      log(
        `starting the embedded cluster: nats-server, ${request.agents} local agent(s)${thermalAgent ? ', a thermal agent with a scripted sensor' : ''}${target ? '' : ', the reference target'}`,
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
      log(`embedded cluster: NATS ${natsUrl}${embedded.targetUrl ? `, target ${embedded.targetUrl}` : ''}`);
    } else if (!target) {
      const local = await startTargetChild(request.debug);
      cleanups.push(() => local.child.stop());
      target = local.url;
      log(
        `no --target given: started the reference target at ${target} (agents on other hosts cannot reach it; pass --target URL)`,
      );
    }
    const nc = await connectBus({ url: natsUrl, name: 'stampede-coordinator' });
    cleanups.push(() => nc.drain().catch(() => undefined));
    return await runOnBus(nc, request, target!, cleanups);
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

  const runId = newRunId();
  const eligible = (capability: Capability) =>
    roster.live(capability).map((a) => ({ agentId: a.announce.agentId, threads: a.announce.threads }));
  const runs = cases.map((c) => newCaseRun(planCase(c.definition, c.settings, eligible(c.definition.needs))));
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
  const plan: RunPlan = {
    kind: 'run.plan',
    protocol: PROTOCOL_VERSION,
    runId,
    createdAt: Date.now(),
    selection: request.suites,
    target,
    cases: runs.map((r) => ({
      caseId: r.planned.id,
      scenario: r.planned.definition.scenario,
      needs: r.planned.definition.needs,
      shards: r.planned.shards.map((s) => ({
        shardId: s.shardId,
        index: s.index,
        count: s.count,
        load: s.load,
      })),
    })),
  };
  await session.publishPlan(plan);
  log(`run ${runId}: ${runs.length} test case(s) against ${target} on ${roster.live().length} agent(s)`);

  let status: RunStatus = 'completed';
  let statusNote: string | undefined;
  let current: CaseRun | undefined;
  const judgedCases = new Map<CaseRun, CaseReport>();
  const stopRun = (why: RunStatus, note: string) => {
    if (status !== 'completed') return;
    [status, statusNote] = [why, note];
    void session.abort(note, current);
  };
  const timeout = request.timeoutSec
    ? setTimeout(
        () => stopRun('timed_out', `the run exceeded --timeout ${request.timeoutSec} s`),
        request.timeoutSec * 1000,
      )
    : undefined;
  void request.interrupted.then(() => stopRun('interrupted', 'interrupted by the user'));
  try {
    for (const run of runs) {
      if (status !== 'completed') break;
      current = run;
      const { planned } = run;
      log(`▶ ${planned.id}: ${planned.shards.length} shard(s)`);
      await session.runCase(run, target, () => request.onProgress?.(run));
      if (status !== 'completed') await session.abort(statusNote!, run);
      const judged = judgeCase(run);
      judgedCases.set(run, judged);
      log(`  ${judged.verdict.toUpperCase()} ${planned.id}${judged.note ? ` — ${judged.note}` : ''}`);
    }
  } finally {
    clearTimeout(timeout);
  }

  // Cases the run never reached (interrupted, timed out) are judged here, the others only once.
  const caseReports = runs.map((run) => judgedCases.get(run) ?? judgeCase(run));
  const report = buildReport({
    runId,
    startedAt,
    status,
    statusNote,
    request,
    target,
    skippedSuites,
    caseReports,
    roster,
    session,
    rejected,
  });
  const written = writeReports(report, request.reportsDir, request.saveReport);
  return { report, written, exitCode: report.exitCode };
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

interface ReportParts {
  runId: string;
  startedAt: Date;
  status: RunStatus;
  statusNote?: string;
  request: RunRequest;
  target: string;
  skippedSuites: { suite: string; reason: string }[];
  caseReports: CaseReport[];
  roster: Roster;
  session: RunSession;
  rejected: RejectedMessages;
}

function exitCodeFor(status: RunStatus, failedOrUnfinished: boolean): number {
  if (status === 'interrupted') return EXIT.interrupted;
  if (status === 'timed_out' || status === 'cluster_failure') return EXIT.cluster;
  return failedOrUnfinished ? EXIT.thresholdsFailed : EXIT.ok;
}

function buildReport(p: ReportParts): RunReport {
  const suites: SuiteReport[] = [];
  for (const name of p.request.suites) {
    const cases = p.caseReports.filter((c) => c.suite === name);
    if (cases.length > 0) suites.push(judgeSuite(name, cases));
  }
  const count = (v: string) => p.caseReports.filter((c) => c.verdict === v).length;
  const [passed, failed, skipped, unfinished] = [
    count('passed'),
    count('failed'),
    count('skipped'),
    count('unfinished'),
  ];
  const judged = passed + failed + unfinished;
  const successRate = judged > 0 ? Math.round((passed / judged) * 1000) / 10 : 0;
  const { findings, recommendations } = analyseFailures(p.caseReports);
  const finishedAt = new Date();
  return {
    schema: REPORT_SCHEMA,
    runId: p.runId,
    startedAt: p.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    status: p.status,
    statusNote: p.statusNote,
    exitCode: exitCodeFor(p.status, failed + unfinished > 0),
    selection: { mode: p.request.mode, suites: p.request.suites, skipped: p.skippedSuites },
    target: p.target,
    config: p.request.config.sources,
    summary: {
      testCases: p.caseReports.length,
      passed,
      failed,
      skipped,
      unfinished,
      successRate,
      grade: judged > 0 ? gradeOf(successRate) : 'not judged',
      requests: p.caseReports.reduce((s, c) => s + c.metrics.requests, 0),
      durationMs: finishedAt.getTime() - p.startedAt.getTime(),
    },
    agents: p.roster.everSeen().map((a) => ({
      agentId: a.agentId,
      host: a.host,
      cores: a.cores,
      threads: a.threads,
      memoryBytes: a.memoryBytes,
      cpuModel: a.cpuModel,
      platform: a.platform,
      capabilities: a.capabilities,
      protocol: a.protocol,
      lostAt: p.roster.lost.has(a.agentId)
        ? new Date(p.roster.lost.get(a.agentId)!).toISOString()
        : undefined,
    })),
    suites,
    failureAnalysis: findings,
    recommendations,
    bus: {
      rejectedMessages: p.rejected.total(),
      ...p.session.fenceCounts(),
    },
  };
}
