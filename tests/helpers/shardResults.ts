/**
 * Shard results as an agent would publish them, for coordinator-side tests: every field the
 * result schema requires, with a real encoded HdrHistogram of the latencies given.
 */
import { createRecordingHistogram, encodeHistogram } from '../../shared/metrics/histogram.js';
import { emptyOutcomes } from '../../shared/metrics/outcomes.js';
import { PROTOCOL_VERSION, type ShardResult } from '../../shared/protocol/index.js';

/** Encodes latencies (µs) the way a worker's recorder does. */
export function encodedLatencies(latenciesUs: readonly number[]): string {
  const h = createRecordingHistogram();
  for (const v of latenciesUs) h.recordValue(v);
  const encoded = encodeHistogram(h);
  h.destroy();
  return encoded;
}

/** Deterministic latencies (µs) in [base, base + spread), from a linear congruential generator. */
export function seededLatencies(seed: number, n: number, base = 1000, spread = 200_000): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return base + (x % spread);
  });
}

export interface ResultFields extends Partial<ShardResult> {
  shardId: string;
  /** Recorded latencies (µs); their count becomes `ops` unless `ops` is given. */
  latenciesUs?: readonly number[];
}

export function shardResult({ latenciesUs = [], ...fields }: ResultFields): ShardResult {
  const ops = fields.ops ?? latenciesUs.length;
  const now = Date.now();
  return {
    kind: 'shard.result',
    protocol: PROTOCOL_VERSION,
    runId: 'run-1',
    attempt: 1,
    agentId: 'agent-a',
    session: 'session-a',
    ok: ops,
    bytes: 0,
    outcomes: { ...emptyOutcomes(), '2xx': ops },
    blockedMs: 0,
    status: 'completed',
    startAt: now,
    startedAt: now,
    clockOffsetMs: 0,
    durationMs: 1000,
    counters: {},
    gauges: {},
    errors: [],
    histogram: encodedLatencies(latenciesUs),
    perSecond: [],
    ...fields,
    ops,
  };
}
