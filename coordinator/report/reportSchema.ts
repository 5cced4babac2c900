/**
 * Reading a saved `stampede.report/1` JSON file back (for `coordinator report` and `compare`).
 * The schema checks what the renderers rely on and lets unknown fields through, because the
 * contract is additive: a newer report with extra fields must still render with this version.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { EXIT, StampedeError } from '../../shared/errors.js';
import { REPORT_SCHEMA, type RunReport } from './types.js';

/** Far above any real report (a few MB with time series); a guard against reading a wrong file whole. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;
const MAX_LISTED_PROBLEMS = 12;

const num = z.number().finite();
const text = z.string();
const loose = <T extends z.ZodRawShape>(shape: T) => z.object(shape).passthrough();

const latency = loose({
  count: num,
  minMs: num,
  meanMs: num,
  p50Ms: num,
  p90Ms: num,
  p95Ms: num,
  p99Ms: num,
  maxMs: num,
});
const load = loose({ connections: num, requests: num, durationMs: num, rate: num });
const errorGroup = loose({ key: text, count: num });
const metrics = loose({
  requests: num,
  ok: num,
  bytes: num,
  successRate: num,
  requestsPerSec: num,
  durationMs: num,
  blockedMs: num,
  latency,
  outcomes: z.record(num),
  counters: z.record(num),
  gauges: z.record(num),
  errors: z.array(errorGroup),
});
const threshold = loose({
  metric: text,
  op: z.enum(['>=', '>', '<=', '<', '==']),
  value: num,
  description: text.optional(),
  actual: num.nullable(),
  passed: z.boolean(),
});
const attempt = loose({
  attempt: num,
  agentId: text,
  session: text,
  readyAt: num,
  status: text.optional(),
  note: text.optional(),
});
const shard = loose({
  shardId: text,
  index: num,
  load,
  state: z.enum(['pending', 'running', 'done', 'lost', 'unfinished']),
  agentId: text.optional(),
  plannedAgentId: text.optional(),
  attempts: z.array(attempt),
  status: text.optional(),
  note: text.optional(),
  requests: num.optional(),
  durationMs: num.optional(),
  startSkewMs: num.optional(),
  clockOffsetMs: num.optional(),
});
const thermalEvent = loose({
  t: num,
  type: z.enum(['block', 'resume', 'throttle', 'sensor_fault']),
  celsius: num.nullable(),
  detail: text,
});
const thermal = loose({
  agentId: text,
  sensor: text,
  real: z.boolean(),
  blockCelsius: num,
  resumeCelsius: num,
  peakCelsius: num.nullable(),
  blockedMs: num,
  events: z.array(thermalEvent),
  timeline: z.array(
    loose({ t: num, celsius: num.nullable(), state: z.enum(['running', 'throttled', 'blocked']) }),
  ),
  opsStartedWhileHot: num,
});
const timeSeries = loose({
  startMs: num,
  intervalMs: num.positive(),
  points: z
    .array(
      loose({
        t: num,
        requests: num,
        errors: num,
        p50Ms: num.nullable(),
        p90Ms: num.nullable(),
        p99Ms: num.nullable(),
      }),
    )
    .max(10_000),
});
const verdict = z.enum(['passed', 'failed', 'skipped', 'unfinished']);
const testCase = loose({
  id: text,
  suite: text,
  name: text,
  title: text,
  verdict,
  note: text.optional(),
  load,
  metrics,
  thresholds: z.array(threshold),
  errors: z.array(errorGroup),
  shards: z.array(shard),
  perAgent: z.array(loose({ agentId: text, requests: num, requestsPerSec: num, latency })),
  maxStartSkewMs: num.nullable(),
  thermal: z.array(thermal),
  timeSeries: timeSeries.optional(),
});
const agent = loose({
  agentId: text,
  host: text,
  cores: num,
  threads: num,
  weight: num.optional(),
  memoryBytes: num,
  cpuModel: text,
  platform: text,
  capabilities: z.array(text),
  protocol: num,
  lostAt: text.optional(),
});

export const runReportSchema = loose({
  schema: z.literal(REPORT_SCHEMA),
  runId: text,
  startedAt: z.string().datetime(),
  finishedAt: z.string().datetime(),
  status: z.enum(['completed', 'interrupted', 'timed_out', 'cluster_failure']),
  statusNote: text.optional(),
  exitCode: num,
  selection: loose({
    mode: text,
    suites: z.array(text),
    skipped: z.array(loose({ suite: text, reason: text })),
  }),
  target: text,
  config: z.array(text),
  summary: loose({
    testCases: num,
    passed: num,
    failed: num,
    skipped: num,
    unfinished: num,
    successRate: num,
    grade: text,
    requests: num,
    durationMs: num,
  }),
  agents: z.array(agent),
  suites: z.array(loose({ name: text, verdict, testCases: z.array(testCase) })),
  failureAnalysis: z.array(loose({ caseId: text, cause: text, detail: text })),
  recommendations: z.array(text),
  bus: loose({ rejectedMessages: num, duplicateResults: num, staleResults: num }),
});

/** A report file that cannot be used: names the file and every field that is wrong. Exit 2. */
export class ReportInputError extends StampedeError {
  constructor(message: string) {
    super(message, 'E_REPORT_INPUT', EXIT.usage);
  }
}

function fieldPath(path: (string | number)[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
}

/** Validates a parsed value as a run report; `source` names it in the error. */
export function parseRunReport(value: unknown, source: string): RunReport {
  const parsed = runReportSchema.safeParse(value);
  if (parsed.success) return parsed.data as unknown as RunReport;
  const issues = parsed.error.issues;
  const lines = issues
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((i) => `  ${fieldPath(i.path) || '(root)'}: ${i.message}`);
  if (issues.length > MAX_LISTED_PROBLEMS) lines.push(`  … and ${issues.length - MAX_LISTED_PROBLEMS} more`);
  return invalid(
    `${source}: not a ${REPORT_SCHEMA} report (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
  );
}

function invalid(message: string): never {
  throw new ReportInputError(message);
}

/** Reads and validates a saved JSON report; every failure is a ReportInputError naming the file. */
export function readRunReport(file: string): RunReport {
  let raw: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_REPORT_BYTES)
      invalid(`${file}: ${size} bytes, more than the ${MAX_REPORT_BYTES} a report can have`);
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ReportInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return invalid(`${file}: cannot read the file (${code})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return invalid(`${file}: not JSON (${(error as Error).message})`);
  }
  return parseRunReport(value, file);
}
