/**
 * Turns what the coordinator knows while a run goes on into live events: the selection before it
 * starts, each case's live state once a second (the shards' cumulative progress snapshots and
 * accepted results), and the final report. It only publishes differences in state (a case or an
 * agent that changed state, a new error count, thermal samples not sent yet), plus one progress
 * event per tick of a running case.
 */
import { caseId } from '../../shared/model/catalogue.js';
import type { ThermalReport } from '../../shared/protocol/index.js';
import type { CaseReport, RunReport } from '../report/types.js';
import type { SelectedCase } from '../run/executeRun.js';
import { isSettled, type CaseRun, type ShardRecord } from '../dispatch/runState.js';
import { judgeCase } from '../results/verdicts.js';
import type { LiveAgentFacts, LiveAgentState, LiveCase, LiveCaseState, LiveView } from './events.js';

export function liveCases(cases: readonly SelectedCase[]): LiveCase[] {
  return cases.map(({ definition, settings }) => ({
    caseId: caseId(definition),
    suite: definition.suite,
    name: definition.name,
    title: definition.title,
    plannedRequests: settings.load.requests,
    plannedDurationMs: settings.load.durationMs,
  }));
}

function agentStateOf(shard: ShardRecord): LiveAgentState {
  if (isSettled(shard)) return 'idle';
  const progress = shard.lastProgress;
  if (!progress) return 'paused';
  if (progress.thermalState === 'blocked') return 'thermal-blocked';
  return progress.thermalState === 'throttled' ? 'throttled' : 'running';
}

export class RunEvents {
  private readonly caseStates = new Map<string, LiveCaseState>();
  private readonly agentStates = new Map<string, LiveAgentState>();
  private readonly errorCounts = new Map<string, number>();
  private readonly thermalSent = new Set<string>();
  private readonly lastProgress = new Map<string, { atMs: number; requests: number }>();

  constructor(
    private readonly view: LiveView,
    private readonly now: () => number = Date.now,
  ) {}

  started(info: {
    runId: string | null;
    mode: string;
    target?: string;
    cases: LiveCase[];
    agents?: LiveAgentFacts[];
  }): void {
    for (const c of info.cases) this.caseStates.set(c.caseId, 'pending');
    this.view.publish({ kind: 'run-started', atMs: this.now(), ...info, agents: info.agents ?? [] });
  }

  private caseState(id: string, state: LiveCaseState, note?: string, generatorSaturated?: boolean): void {
    const current = this.caseStates.get(id);
    if (current === state || (state === 'running' && current !== 'pending' && current !== undefined)) return;
    this.caseStates.set(id, state);
    this.view.publish({
      kind: 'case-state',
      atMs: this.now(),
      caseId: id,
      state,
      note,
      ...(generatorSaturated ? { generatorSaturated } : {}),
    });
  }

  private agentState(agentId: string, state: LiveAgentState): void {
    if (this.agentStates.get(agentId) === state) return;
    this.agentStates.set(agentId, state);
    this.view.publish({ kind: 'agent-state', atMs: this.now(), agentId, state });
  }

  private errors(id: string, groups: readonly { key: string; count: number }[]): void {
    for (const { key, count } of groups) {
      const k = `${id}\u0000${key}`;
      if ((this.errorCounts.get(k) ?? 0) >= count) continue;
      this.errorCounts.set(k, count);
      this.view.publish({ kind: 'error', atMs: this.now(), caseId: id, key, count });
    }
  }

  /** A shard's thermal timeline, once: it is known in full only from the shard's result. */
  private thermal(id: string, agentId: string, t: ThermalReport): void {
    const k = `${id}\u0000${agentId}`;
    if (this.thermalSent.has(k)) return;
    this.thermalSent.add(k);
    const limits = { blockC: t.blockCelsius, resumeC: t.resumeCelsius };
    for (const s of t.timeline)
      this.view.publish({
        kind: 'thermal',
        atMs: s.t,
        agentId,
        temperatureC: s.celsius,
        blocked: s.state === 'blocked',
        limits,
      });
  }

  private progress(run: CaseRun, judged?: CaseReport): void {
    const id = run.planned.id;
    const perAgent = new Map<string, { agentId: string; requests: number; errors: number }>();
    for (const s of run.shards) {
      const figures = s.accepted ?? s.lastProgress;
      if (!figures) continue;
      const a = perAgent.get(figures.agentId) ?? { agentId: figures.agentId, requests: 0, errors: 0 };
      a.requests += figures.ops;
      a.errors += figures.ops - figures.ok;
      perAgent.set(figures.agentId, a);
    }
    const agents = [...perAgent.values()];
    const requests = agents.reduce((n, a) => n + a.requests, 0);
    const atMs = this.now();
    const startedAt = run.startedAt ?? atMs;
    const previous = this.lastProgress.get(id) ?? { atMs: startedAt, requests: 0 };
    const seconds = (atMs - previous.atMs) / 1000;
    this.lastProgress.set(id, { atMs, requests });
    this.view.publish({
      kind: 'progress',
      atMs,
      caseId: id,
      elapsedMs: Math.max(0, atMs - startedAt),
      requests,
      errors: agents.reduce((n, a) => n + a.errors, 0),
      // Settled, the merged rate is exact; a last delta would include operations progress had not yet shown.
      rps: judged
        ? judged.metrics.requestsPerSec
        : seconds > 0
          ? Math.round(((requests - previous.requests) / seconds) * 10) / 10
          : 0,
      p99Ms: judged && judged.metrics.latency.count > 0 ? judged.metrics.latency.p99Ms : null,
      shards: {
        total: run.shards.length,
        running: run.shards.filter((s) => s.state === 'running').length,
        done: run.shards.filter((s) => s.state === 'done').length,
      },
      perAgent: agents,
    });
  }

  /** Called about once a second while a case runs, and once more when its shards have settled. */
  tick(run: CaseRun): void {
    const id = run.planned.id;
    const settled = run.shards.every(isSettled);
    const judged = settled ? judgeCase(run) : undefined;
    if (run.startedAt !== undefined || run.shards.some((s) => s.state === 'running'))
      this.caseState(id, 'running');
    for (const s of run.shards) {
      const agentId = s.accepted?.agentId ?? s.attempts.at(-1)?.agentId;
      if (agentId) this.agentState(agentId, agentStateOf(s));
      if (s.accepted?.thermal) this.thermal(id, s.accepted.agentId, s.accepted.thermal);
    }
    if (run.startedAt !== undefined) this.progress(run, judged);
    if (judged) {
      this.errors(id, judged.errors);
      this.caseState(id, judged.verdict, judged.note, judged.metrics.generatorSaturated);
    }
  }

  /** The report is the final word: every case's verdict, the agents' host facts, the summary. */
  finished(report: RunReport): void {
    for (const c of report.suites.flatMap((s) => s.testCases)) {
      for (const t of c.thermal) this.thermal(c.id, t.agentId, t);
      this.errors(c.id, c.errors);
      this.caseState(c.id, c.verdict, c.note, c.metrics.generatorSaturated);
    }
    for (const a of report.agents) {
      const { agentId, host, cores, threads, memoryBytes, cpuModel, platform, capabilities } = a;
      this.agentStates.delete(agentId); // always sent: it carries the host facts
      this.view.publish({
        kind: 'agent-state',
        atMs: this.now(),
        agentId,
        host,
        cores,
        threads,
        memoryBytes,
        cpuModel,
        platform,
        capabilities,
        state: a.lostAt ? 'missing' : 'idle',
      });
    }
    const { runId, status, statusNote, exitCode, summary } = report;
    this.view.publish({
      kind: 'run-finished',
      atMs: this.now(),
      runId,
      status,
      statusNote,
      exitCode,
      summary,
    });
  }
}
