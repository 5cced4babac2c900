/**
 * The provider fallback chain over HTTP. Each provider gets up to three tries for a transient
 * failure (a blip is retried where it happened). The chain moves on to the next provider only when
 * one is out: it timed out, is marked down, refused the call, failed all three tries, or has its
 * circuit open. A single failed try is not enough to call a provider out, so with retries switched
 * off a blip fails the request (unless it tripped the circuit); with fallback off, so does an outage.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'undici';
import { CircuitBreaker, type CircuitState } from './circuitBreaker.js';
import type { ProviderDefinition } from './config.js';
import { callProvider, type CallOutcome } from './providerCall.js';
import { isAvailable, UP, type ProviderMode } from './providerModes.js';

export type AttemptOutcome = CallOutcome | 'down' | 'open';
export const ATTEMPT_OUTCOMES: readonly AttemptOutcome[] = [
  'ok',
  'failed',
  'reset',
  'timeout',
  'down',
  'open',
];

export interface Attempt {
  provider: string;
  outcome: AttemptOutcome;
  ms: number;
  /** 1 for the first try on this provider in this request, 2 for its first retry, ... */
  try: number;
}

export interface ChainResult {
  /** The provider that answered, or null when none did. */
  provider: string | null;
  answer?: string;
  attempts: Attempt[];
  /** Every provider of the chain was tried (or skipped) without an answer. */
  exhausted: boolean;
}

export interface ProviderHealth {
  name: string;
  /** The provider's base URL, or "stand-in" for the target's own. */
  upstream: string;
  state: ProviderMode['state'];
  slowMs?: number;
  periodMs?: number;
  /** Takes calls right now: not down, not in a flapping down phase, circuit not open. */
  available: boolean;
  healthy: boolean;
  circuit: CircuitState;
  /** The failure rate asked of the provider: the fault override if set, else the configured one. */
  failRate: number;
  calls: Record<AttemptOutcome, number>;
  consecutiveFailures: number;
  lastOutcome: AttemptOutcome | null;
}

export interface ProviderEnvironment {
  chain(): readonly ProviderDefinition[];
  failRateOverride(name: string): number | undefined;
  /** The provider's own base URL, if it has one; otherwise the stand-in serves it. */
  explicitUrl(name: string): string | undefined;
  standInUrl(): Promise<string>;
  retries(): boolean;
  fallback(): boolean;
  onChange(): void;
  dispatcher: Agent;
  /** Aborts calls in flight when the target closes. */
  signal: AbortSignal;
}

const MAX_TRIES = 3;
/** Failed tries in one request after which a provider is out for that request. */
const OUT_AFTER_FAILED_TRIES = 3;
const BACKOFF_MS = 10;
/** Consecutive failed attempts after which a provider reports unhealthy. */
const UNHEALTHY_AFTER_FAILURES = 3;

interface ProviderRecord {
  calls: Record<AttemptOutcome, number>;
  consecutiveFailures: number;
  lastOutcome: AttemptOutcome | null;
  breaker: CircuitBreaker;
}

export class ProviderPool {
  private readonly modes: Map<string, ProviderMode>;
  private readonly records = new Map<string, ProviderRecord>();

  constructor(
    private readonly env: ProviderEnvironment,
    restoredModes: Readonly<Record<string, ProviderMode>>,
  ) {
    this.modes = new Map(Object.entries(restoredModes));
  }

  async serve(prompt: string): Promise<ChainResult> {
    const attempts: Attempt[] = [];
    const chain = this.env.chain();
    const tries = this.env.retries() ? MAX_TRIES : 1;
    for (const [index, provider] of chain.entries()) {
      const turn = await this.turn(provider, prompt, tries, attempts);
      if (turn.answer !== undefined)
        return { provider: provider.name, answer: turn.answer, attempts, exhausted: false };
      const last = index === chain.length - 1;
      if (last || !turn.out || !this.env.fallback()) return { provider: null, attempts, exhausted: last };
    }
    return { provider: null, attempts, exhausted: true };
  }

  /** False when no provider of that name is configured. A new mode also closes the provider's circuit. */
  setMode(name: string, mode: ProviderMode): boolean {
    if (!this.env.chain().some((p) => p.name === name)) return false;
    this.modes.set(name, mode);
    const record = this.recordOf(name);
    record.breaker = new CircuitBreaker();
    record.consecutiveFailures = 0;
    this.env.onChange();
    return true;
  }

  health(now = Date.now()): ProviderHealth[] {
    return this.env.chain().map((provider) => {
      const mode = this.modeOf(provider.name);
      const record = this.recordOf(provider.name);
      const circuit = record.breaker.state(now);
      const available = isAvailable(mode, now) && circuit !== 'open';
      return {
        name: provider.name,
        upstream: this.env.explicitUrl(provider.name) ?? 'stand-in',
        state: mode.state,
        ...(mode.state === 'slow' ? { slowMs: mode.slowMs } : {}),
        ...(mode.state === 'flapping' ? { periodMs: mode.periodMs } : {}),
        available,
        healthy: available && record.consecutiveFailures < UNHEALTHY_AFTER_FAILURES,
        circuit,
        failRate: this.failRateOf(provider),
        calls: { ...record.calls },
        consecutiveFailures: record.consecutiveFailures,
        lastOutcome: record.lastOutcome,
      };
    });
  }

  /** Modes worth persisting: those of configured providers that are not plainly up. */
  snapshotModes(): Record<string, ProviderMode> {
    const configured = new Set(this.env.chain().map((p) => p.name));
    return Object.fromEntries(
      [...this.modes].filter(([name, mode]) => configured.has(name) && mode.state !== 'up'),
    );
  }

  /** One provider's part of a request: its tries, until it answers, is out, or has none left. */
  private async turn(
    provider: ProviderDefinition,
    prompt: string,
    tries: number,
    attempts: Attempt[],
  ): Promise<{ answer?: string; out: boolean }> {
    const { breaker } = this.recordOf(provider.name);
    for (let attempt = 1; attempt <= tries; attempt++) {
      const started = Date.now();
      const mode = this.modeOf(provider.name);
      const skipped = !isAvailable(mode, started) ? 'down' : !breaker.admit(started) ? 'open' : undefined;
      if (skipped) {
        this.record(attempts, { provider: provider.name, outcome: skipped, ms: 0, try: attempt });
        return { out: true };
      }
      const result = await callProvider(
        this.env.dispatcher,
        await this.request(provider, mode, prompt),
        this.env.signal,
      );
      breaker.record(result.outcome === 'ok', Date.now());
      this.record(attempts, {
        provider: provider.name,
        outcome: result.outcome,
        ms: Date.now() - started,
        try: attempt,
      });
      if (result.outcome === 'ok') return { answer: result.answer, out: false };
      if (!result.transient) return { out: true };
      if (attempt < tries)
        await sleep(BACKOFF_MS * 2 ** (attempt - 1) * (1 + Math.random()), undefined, {
          signal: this.env.signal,
        });
    }
    return { out: tries >= OUT_AFTER_FAILED_TRIES || breaker.state(Date.now()) !== 'closed' };
  }

  private async request(provider: ProviderDefinition, mode: ProviderMode, prompt: string) {
    const slowMs = mode.state === 'slow' ? mode.slowMs : 0;
    return {
      baseUrl: this.env.explicitUrl(provider.name) ?? (await this.env.standInUrl()),
      timeoutMs: provider.timeoutMs,
      body: {
        prompt,
        provider: provider.name,
        simulate: {
          latencyMs: provider.latencyMs.base + slowMs,
          jitterMs: provider.latencyMs.jitter,
          failRate: this.failRateOf(provider),
        },
      },
    };
  }

  private modeOf(name: string): ProviderMode {
    return this.modes.get(name) ?? UP;
  }

  private failRateOf(provider: ProviderDefinition): number {
    return this.env.failRateOverride(provider.name) ?? provider.failRate;
  }

  private recordOf(name: string): ProviderRecord {
    let record = this.records.get(name);
    if (!record) {
      const calls = Object.fromEntries(ATTEMPT_OUTCOMES.map((o) => [o, 0])) as Record<AttemptOutcome, number>;
      record = { calls, consecutiveFailures: 0, lastOutcome: null, breaker: new CircuitBreaker() };
      this.records.set(name, record);
    }
    return record;
  }

  private record(attempts: Attempt[], attempt: Attempt): void {
    attempts.push(attempt);
    const record = this.recordOf(attempt.provider);
    record.calls[attempt.outcome]++;
    record.consecutiveFailures = attempt.outcome === 'ok' ? 0 : record.consecutiveFailures + 1;
    record.lastOutcome = attempt.outcome;
  }
}
