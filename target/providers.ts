/**
 * Simulated LLM providers behind a fallback chain. Each call waits its configured latency, then
 * succeeds or fails at its failure rate; a call slower than its timeout is a timeout. Admin modes
 * (down, slow, flapping) let suites break a provider on purpose.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ProviderDefinition } from './config.js';

const delayMs = z.number().int().min(1).max(60_000);
const periodMs = z.number().int().min(10).max(600_000);

export const providerModeSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('up') }).strict(),
  z.object({ state: z.literal('down') }).strict(),
  z.object({ state: z.literal('slow'), slowMs: delayMs }).strict(),
  z.object({ state: z.literal('flapping'), periodMs, since: z.number().int().min(0) }).strict(),
]);
export type ProviderMode = z.infer<typeof providerModeSchema>;

/** Body of POST /admin/providers/:name. */
export const providerStateRequestSchema = z
  .object({
    state: z.enum(['up', 'down', 'slow', 'flapping']),
    slowMs: delayMs.optional(),
    periodMs: periodMs.optional(),
  })
  .strict()
  .refine((r) => r.slowMs === undefined || r.state === 'slow', {
    message: 'slowMs applies only to state "slow"',
    path: ['slowMs'],
  })
  .refine((r) => r.periodMs === undefined || r.state === 'flapping', {
    message: 'periodMs applies only to state "flapping"',
    path: ['periodMs'],
  });
export type ProviderStateRequest = z.infer<typeof providerStateRequestSchema>;

/** Extra latency of a "slow" provider unless given: past every default timeout, so it times out. */
const DEFAULT_SLOW_MS = 2000;
const DEFAULT_FLAP_PERIOD_MS = 1000;
/** Consecutive failed calls after which an available provider reports unhealthy. */
const UNHEALTHY_AFTER_FAILURES = 3;

export function modeFromRequest(request: ProviderStateRequest, now: number): ProviderMode {
  switch (request.state) {
    case 'slow':
      return { state: 'slow', slowMs: request.slowMs ?? DEFAULT_SLOW_MS };
    case 'flapping':
      return { state: 'flapping', periodMs: request.periodMs ?? DEFAULT_FLAP_PERIOD_MS, since: now };
    default:
      return { state: request.state };
  }
}

export type AttemptOutcome = 'ok' | 'failed' | 'timeout' | 'down';
export const ATTEMPT_OUTCOMES: readonly AttemptOutcome[] = ['ok', 'failed', 'timeout', 'down'];

export interface Attempt {
  provider: string;
  outcome: AttemptOutcome;
  ms: number;
}

export interface ChainResult {
  /** The provider that answered, or null when every one failed. */
  provider: string | null;
  attempts: Attempt[];
}

export interface ProviderHealth {
  name: string;
  state: ProviderMode['state'];
  /** Present while slow. */
  slowMs?: number;
  /** Present while flapping. */
  periodMs?: number;
  /** Whether the provider takes calls right now (false while down, or in a flapping down phase). */
  available: boolean;
  healthy: boolean;
  /** The failure rate in force: the fault override if set, else the configured one. */
  failRate: number;
  calls: Record<AttemptOutcome, number>;
  consecutiveFailures: number;
  lastOutcome: AttemptOutcome | null;
}

export interface ProviderEnvironment {
  chain(): readonly ProviderDefinition[];
  failRateOverride(name: string): number | undefined;
  onChange(): void;
  /** Aborts pending simulated calls when the target closes. */
  signal: AbortSignal;
}

interface CallRecord {
  calls: Record<AttemptOutcome, number>;
  consecutiveFailures: number;
  lastOutcome: AttemptOutcome | null;
}

const UP: ProviderMode = { state: 'up' };

export class ProviderPool {
  private readonly modes: Map<string, ProviderMode>;
  private readonly records = new Map<string, CallRecord>();

  constructor(
    private readonly env: ProviderEnvironment,
    restoredModes: Readonly<Record<string, ProviderMode>>,
  ) {
    this.modes = new Map(Object.entries(restoredModes));
  }

  /** Tries the chain in order until a provider answers. */
  async serve(): Promise<ChainResult> {
    const attempts: Attempt[] = [];
    for (const provider of this.env.chain()) {
      const attempt = await this.call(provider);
      attempts.push(attempt);
      if (attempt.outcome === 'ok') return { provider: provider.name, attempts };
    }
    return { provider: null, attempts };
  }

  /** False when no provider of that name is configured. */
  setMode(name: string, mode: ProviderMode): boolean {
    if (!this.env.chain().some((p) => p.name === name)) return false;
    this.modes.set(name, mode);
    this.env.onChange();
    return true;
  }

  health(now = Date.now()): ProviderHealth[] {
    return this.env.chain().map((provider) => {
      const mode = this.modeOf(provider.name);
      const record = this.recordOf(provider.name);
      const available = isAvailable(mode, now);
      return {
        name: provider.name,
        state: mode.state,
        ...(mode.state === 'slow' ? { slowMs: mode.slowMs } : {}),
        ...(mode.state === 'flapping' ? { periodMs: mode.periodMs } : {}),
        available,
        healthy: available && record.consecutiveFailures < UNHEALTHY_AFTER_FAILURES,
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

  private async call(provider: ProviderDefinition): Promise<Attempt> {
    const mode = this.modeOf(provider.name);
    const started = Date.now();
    let outcome: AttemptOutcome = 'down';
    if (isAvailable(mode, started)) {
      const latency =
        provider.latencyMs.base +
        Math.random() * provider.latencyMs.jitter +
        (mode.state === 'slow' ? mode.slowMs : 0);
      const timedOut = latency > provider.timeoutMs;
      await sleep(timedOut ? provider.timeoutMs : latency, undefined, { signal: this.env.signal });
      outcome = timedOut ? 'timeout' : Math.random() < this.failRateOf(provider) ? 'failed' : 'ok';
    }
    this.record(provider.name, outcome);
    return { provider: provider.name, outcome, ms: Date.now() - started };
  }

  private modeOf(name: string): ProviderMode {
    return this.modes.get(name) ?? UP;
  }

  private failRateOf(provider: ProviderDefinition): number {
    return this.env.failRateOverride(provider.name) ?? provider.failRate;
  }

  private recordOf(name: string): CallRecord {
    let record = this.records.get(name);
    if (!record) {
      record = {
        calls: { ok: 0, failed: 0, timeout: 0, down: 0 },
        consecutiveFailures: 0,
        lastOutcome: null,
      };
      this.records.set(name, record);
    }
    return record;
  }

  private record(name: string, outcome: AttemptOutcome): void {
    const record = this.recordOf(name);
    record.calls[outcome]++;
    record.consecutiveFailures = outcome === 'ok' ? 0 : record.consecutiveFailures + 1;
    record.lastOutcome = outcome;
  }
}

/** A flapping provider is up for one period, down for the next, starting up. */
function isAvailable(mode: ProviderMode, now: number): boolean {
  if (mode.state === 'down') return false;
  if (mode.state !== 'flapping') return true;
  return Math.floor((now - mode.since) / mode.periodMs) % 2 === 0;
}
