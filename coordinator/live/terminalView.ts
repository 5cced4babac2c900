/**
 * The run as the terminal shows it. On a TTY: a live area (log-update) with each case's state, a
 * progress bar for the running one, its rate, errors and p99, and each agent's state, redrawn at
 * most a few times a second, with the run's log lines printed above it. Not a TTY: one plain line
 * per state change, and a progress line per case when its shards change or it first counts
 * operations, otherwise at most one every 5 s. `quiet`: nothing until the
 * summary. `json`: every event as one JSON line on stdout (docs/live-progress.md).
 */
import { createLogUpdate } from 'log-update';
import { GENERATOR_SATURATED_MARK } from '../results/merge.js';
import type { LiveEvent, LiveView } from './events.js';
import { type LiveCaseView, type LiveSnapshot, LiveState } from './liveState.js';

export type TerminalMode = 'tty' | 'plain' | 'quiet' | 'json';

export const PLAIN_PROGRESS_EVERY_MS = 5000;
const REDRAW_MS = 200;
const BAR_WIDTH = 20;

const MARK: Record<string, string> = {
  pending: '·   ',
  running: 'RUN ',
  passed: 'PASS',
  failed: 'FAIL',
  skipped: 'SKIP',
  unfinished: 'UNFN',
};

const figure = (n: number | null | undefined, digits = 1) =>
  n === null || n === undefined ? '—' : Number.isInteger(n) ? String(n) : n.toFixed(digits);

/** How far a case is: by operations when it has a planned count, else by time. */
export function caseFraction(c: LiveCaseView): number {
  if (c.state !== 'running' && c.state !== 'pending') return 1;
  const f = c.plannedRequests > 0 ? c.requests / c.plannedRequests : c.elapsedMs / (c.plannedDurationMs || 1);
  return Math.max(0, Math.min(1, f));
}

function bar(fraction: number): string {
  const full = Math.round(fraction * BAR_WIDTH);
  return `[${'█'.repeat(full)}${'░'.repeat(BAR_WIDTH - full)}] ${String(Math.round(fraction * 100)).padStart(3)}%`;
}

function caseLine(c: LiveCaseView): string {
  const head = `  ${MARK[c.state] ?? c.state} ${c.caseId}`;
  if (c.state === 'pending') return head;
  const figures = `${c.requests} ops · ${figure(c.rps)} ops/s · ${c.errors} err · p99 ${figure(c.p99Ms, 2)} ms`;
  return c.state === 'running'
    ? `${head}  ${bar(caseFraction(c))}  ${figures}`
    : `${head}${c.generatorSaturated ? GENERATOR_SATURATED_MARK : ''}  ${figures}${c.note ? ` — ${c.note}` : ''}`;
}

/** The TTY frame, a pure function of the state. */
export function renderFrame(s: LiveSnapshot, now: number, columns = 120): string {
  const elapsed = s.startedAtMs !== undefined ? ((s.finished?.atMs ?? now) - s.startedAtMs) / 1000 : 0;
  const lines = [
    `stampede ${s.runId ?? 'run'} (${s.mode || 'starting'}) — ${elapsed.toFixed(0)} s${s.finished ? ` — ${s.finished.status}` : ''}`,
    ...s.order.map((id) => caseLine(s.cases[id])),
  ];
  const agents = Object.values(s.agents).map(
    (a) => `${a.agentId} ${a.state}${a.temperatureC !== null ? ` ${figure(a.temperatureC)} °C` : ''}`,
  );
  if (agents.length > 0) lines.push(`  agents: ${agents.join(' · ')}`);
  const latest = s.errors.at(-1);
  if (latest) lines.push(`  last error: ${latest.caseId} ${latest.key} ×${latest.count}`);
  return lines.map((l) => (l.length > columns ? `${l.slice(0, columns - 1)}…` : l)).join('\n');
}

export interface TerminalStreams {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { columns?: number };
}

export class TerminalView implements LiveView {
  readonly live = new LiveState();
  private readonly lastPlainProgress = new Map<string, { atMs: number; shards: string; requests: number }>();
  private readonly update?: ReturnType<typeof createLogUpdate>;
  private redraw?: NodeJS.Timeout;
  private closed = false;

  constructor(
    readonly mode: TerminalMode,
    private readonly streams: TerminalStreams = { out: process.stdout, err: process.stderr },
    private readonly now: () => number = Date.now,
  ) {
    if (mode === 'tty') this.update = createLogUpdate(streams.err);
  }

  publish(event: LiveEvent): void {
    const line = this.mode === 'plain' ? this.plainLine(event) : undefined;
    this.live.apply(event);
    if (this.mode === 'json') this.streams.out.write(`${JSON.stringify(event)}\n`);
    else if (line) this.streams.err.write(`${line}\n`);
    else if (this.mode === 'tty' && !this.closed) this.scheduleRedraw();
  }

  /** A log line of the run: above the live area on a TTY, dropped when quiet. */
  log(line: string): void {
    if (this.mode === 'quiet') return;
    const live = this.update && !this.closed;
    if (live) this.update!.clear();
    this.streams.err.write(`${line}\n`);
    if (live) this.draw();
  }

  private scheduleRedraw(): void {
    this.redraw ??= setTimeout(() => {
      this.redraw = undefined;
      this.draw();
    }, REDRAW_MS);
  }

  private draw(): void {
    this.update?.(renderFrame(this.live.state, this.now(), this.streams.err.columns ?? 120));
  }

  /** The plain line for an event, judged against the state before it is applied. */
  private plainLine(e: LiveEvent): string | undefined {
    const s = this.live.state;
    switch (e.kind) {
      case 'run-started':
        return `live: ${e.cases.length} test case(s)${e.runId ? ` in run ${e.runId}` : ''}`;
      case 'case-state':
        return s.cases[e.caseId]?.state === e.state
          ? undefined
          : `case ${e.caseId}: ${e.state}${e.generatorSaturated ? GENERATOR_SATURATED_MARK : ''}${e.note ? ` — ${e.note}` : ''}`;
      case 'progress': {
        const last = this.lastPlainProgress.get(e.caseId);
        const shards = `${e.shards.done}/${e.shards.total} shards done, ${e.shards.running} running`;
        // A change in the shards, or the first operations, is a state change; otherwise every 5 s.
        const changed = !last || last.shards !== shards || (last.requests === 0 && e.requests > 0);
        if (!changed && e.atMs - last.atMs < PLAIN_PROGRESS_EVERY_MS) return undefined;
        this.lastPlainProgress.set(e.caseId, { atMs: e.atMs, shards, requests: e.requests });
        const ok = e.requests > 0 ? ` ${(((e.requests - e.errors) / e.requests) * 100).toFixed(1)}% ok` : '';
        return `  … ${e.caseId}: ${shards}, ${e.requests} ops${ok}, ${figure(e.rps)} ops/s, p99 ${figure(e.p99Ms, 2)} ms, ${(e.elapsedMs / 1000).toFixed(0)} s`;
      }
      case 'agent-state':
        return s.agents[e.agentId]?.state === e.state ? undefined : `agent ${e.agentId}: ${e.state}`;
      case 'thermal': {
        const previous = s.agents[e.agentId]?.thermal.at(-1);
        if (previous ? previous.blocked === e.blocked : !e.blocked) return undefined;
        return `thermal ${e.agentId}: ${figure(e.temperatureC)} °C, ${e.blocked ? 'blocked' : 'resumed'}${e.limits ? ` (block ≥ ${e.limits.blockC}, resume ≤ ${e.limits.resumeC} °C)` : ''}`;
      }
      case 'error':
        return `error in ${e.caseId}: ${e.key} ×${e.count}`;
      case 'run-finished':
        return undefined;
    }
  }

  /** Draws the final frame and leaves it in place; later calls do nothing. */
  close(): void {
    clearTimeout(this.redraw);
    if (this.closed) return;
    this.closed = true;
    if (this.update) {
      this.draw();
      this.update.done();
    }
  }
}
