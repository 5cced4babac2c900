/**
 * The state a live view shows, folded from the event stream: the dashboard server keeps one to
 * give a new client a full snapshot, the terminal view renders from one, and the dashboard page
 * runs this same class (its source is inlined into the page, see dashboardPage.ts), so there is
 * one reducer. Hence the rule for this file: the class may use only its own members and the
 * language's built-ins, no imported values. All series are bounded.
 */
import type {
  LiveAgentFacts,
  LiveAgentState,
  LiveCase,
  LiveCaseState,
  LiveEvent,
  ProgressEvent,
  RunStartedEvent,
  ThermalEvent,
} from './events.js';

export interface CasePoint {
  atMs: number;
  requests: number;
  errors: number;
  rps: number;
  p99Ms: number | null;
}

export interface LiveCaseView extends LiveCase {
  state: LiveCaseState;
  note?: string;
  generatorSaturated?: boolean;
  startedAtMs?: number;
  elapsedMs: number;
  requests: number;
  errors: number;
  rps: number;
  p99Ms: number | null;
  perAgent: { agentId: string; requests: number; errors: number }[];
  points: CasePoint[];
}

export interface LiveAgentView extends LiveAgentFacts {
  state: LiveAgentState;
  temperatureC: number | null;
  limits?: { blockC: number; resumeC: number };
  thermal: { atMs: number; temperatureC: number | null; blocked: boolean }[];
}

export interface LiveSnapshot {
  runId: string | null;
  mode: string;
  target?: string;
  startedAtMs?: number;
  lastAtMs?: number;
  finished?: {
    atMs: number;
    status: string;
    statusNote?: string;
    exitCode: number;
    summary: Record<string, number | string>;
  };
  order: string[];
  cases: Record<string, LiveCaseView>;
  agents: Record<string, LiveAgentView>;
  errors: { atMs: number; caseId: string; key: string; count: number }[];
}

export class LiveState {
  static readonly MAX_POINTS = 600;
  static readonly MAX_THERMAL = 1000;
  static readonly MAX_ERRORS = 100;
  static readonly MAX_CASES = 500;
  static readonly MAX_AGENTS = 200;

  state: LiveSnapshot;

  constructor(snapshot?: LiveSnapshot) {
    this.state = snapshot ?? { runId: null, mode: '', order: [], cases: {}, agents: {}, errors: [] };
  }

  /** Keeps a series bounded by halving its resolution, so the whole run stays in view. */
  static bound<T>(list: T[], max: number): T[] {
    return list.length <= max ? list : list.filter((_, i) => i % 2 === 1 || i === list.length - 1);
  }

  private caseOf(caseId: string): LiveCaseView | undefined {
    let c = this.state.cases[caseId];
    if (!c && this.state.order.length < LiveState.MAX_CASES) {
      c = this.newCase({
        caseId,
        suite: '',
        name: caseId,
        title: '',
        plannedRequests: 0,
        plannedDurationMs: 0,
      });
    }
    return c;
  }

  private newCase(info: LiveCase): LiveCaseView {
    const c: LiveCaseView = {
      ...info,
      state: 'pending',
      elapsedMs: 0,
      requests: 0,
      errors: 0,
      rps: 0,
      p99Ms: null,
      perAgent: [],
      points: [],
    };
    if (!this.state.cases[info.caseId]) this.state.order.push(info.caseId);
    this.state.cases[info.caseId] = c;
    return c;
  }

  private agentOf(agentId: string): LiveAgentView | undefined {
    let a = this.state.agents[agentId];
    if (!a && Object.keys(this.state.agents).length < LiveState.MAX_AGENTS) {
      a = { agentId, state: 'idle', temperatureC: null, thermal: [] };
      this.state.agents[agentId] = a;
    }
    return a;
  }

  private facts(agent: LiveAgentView, facts: LiveAgentFacts): void {
    for (const key of [
      'host',
      'cores',
      'threads',
      'memoryBytes',
      'cpuModel',
      'platform',
      'capabilities',
    ] as const) {
      if (facts[key] !== undefined) (agent as unknown as Record<string, unknown>)[key] = facts[key];
    }
  }

  private runStarted(event: RunStartedEvent): void {
    const s = this.state;
    [s.runId, s.mode, s.target, s.startedAtMs] = [
      event.runId ?? s.runId,
      event.mode,
      event.target,
      event.atMs,
    ];
    for (const info of event.cases.slice(0, LiveState.MAX_CASES)) {
      const old = s.cases[info.caseId];
      if (old) Object.assign(old, info);
      else this.newCase(info);
    }
    for (const facts of event.agents) {
      const a = this.agentOf(facts.agentId);
      if (a) this.facts(a, facts);
    }
  }

  private progress(event: ProgressEvent): void {
    const c = this.caseOf(event.caseId);
    if (!c) return;
    const { atMs, requests, errors, rps, p99Ms } = event;
    [c.elapsedMs, c.requests, c.errors, c.rps] = [event.elapsedMs, requests, errors, rps];
    if (p99Ms !== null) c.p99Ms = p99Ms;
    if (event.perAgent) c.perAgent = event.perAgent;
    c.points.push({ atMs, requests, errors, rps, p99Ms });
    c.points = LiveState.bound(c.points, LiveState.MAX_POINTS);
  }

  private thermal(event: ThermalEvent): void {
    const a = this.agentOf(event.agentId);
    if (!a) return;
    if (event.limits) a.limits = event.limits;
    const sample = { atMs: event.atMs, temperatureC: event.temperatureC, blocked: event.blocked };
    // Samples can arrive late (from a shard's result), so they are kept in time order.
    let i = a.thermal.length;
    while (i > 0 && a.thermal[i - 1].atMs > sample.atMs) i -= 1;
    if (a.thermal[i - 1]?.atMs === sample.atMs) a.thermal[i - 1] = sample;
    else a.thermal.splice(i, 0, sample);
    a.thermal = LiveState.bound(a.thermal, LiveState.MAX_THERMAL);
    a.temperatureC = a.thermal[a.thermal.length - 1].temperatureC;
  }

  apply(event: LiveEvent): void {
    const s = this.state;
    s.lastAtMs = Math.max(s.lastAtMs ?? 0, event.atMs);
    switch (event.kind) {
      case 'run-started':
        this.runStarted(event);
        return;
      case 'case-state': {
        const c = this.caseOf(event.caseId);
        if (!c) return;
        [c.state, c.note, c.generatorSaturated] = [event.state, event.note, event.generatorSaturated];
        if (event.state === 'running') c.startedAtMs ??= event.atMs;
        return;
      }
      case 'progress':
        this.progress(event);
        return;
      case 'agent-state': {
        const a = this.agentOf(event.agentId);
        if (!a) return;
        this.facts(a, event);
        a.state = event.state;
        if (event.temperatureC !== undefined) a.temperatureC = event.temperatureC;
        return;
      }
      case 'thermal':
        this.thermal(event);
        return;
      case 'error': {
        const { atMs, caseId, key, count } = event;
        s.errors = s.errors.filter((e) => e.caseId !== caseId || e.key !== key);
        s.errors.push({ atMs, caseId, key, count });
        if (s.errors.length > LiveState.MAX_ERRORS) s.errors.shift();
        return;
      }
      case 'run-finished': {
        const { atMs, status, statusNote, exitCode, summary } = event;
        s.runId = event.runId;
        s.finished = {
          atMs,
          status,
          statusNote,
          exitCode,
          summary: Object.fromEntries(
            Object.entries(summary).filter(([, v]) => typeof v !== 'object'),
          ) as Record<string, number | string>,
        };
        return;
      }
    }
  }
}
