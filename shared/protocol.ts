/**
 * The bus protocol: subject names, the message union (tagged by `kind`, carrying the protocol
 * version) and one decode function per message. Decoding enforces a size limit before parsing and
 * validates strictly before anything else sees the value; code past a decoder only sees typed,
 * bounded data. Nothing received here is ever executed: shards name installed scenarios.
 */
import { z } from 'zod';
import { CAPABILITIES, SUITES } from './catalogue.js';
import { faultSpecSchema } from './faults.js';
import { MAX_ENCODED_HISTOGRAM_CHARS } from './histogram.js';
import { OUTCOME_CLASSES } from './outcomes.js';
import { PROTOCOL_VERSION } from './protocolVersion.js';
import { loadSpecSchema, paramsSchema } from './testCase.js';

export { PROTOCOL_VERSION };

/** A subject token we generate: ids of runs, shards, agents and sessions. */
const token = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id of 1-64 letters, digits, _ or -');
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const epochMs = z.number().int().min(0).max(8.64e15);
const shortText = z.string().max(500);
const numberMap = z
  .record(z.string().regex(/^[a-zA-Z0-9_.-]{1,60}$/), z.number().finite())
  .refine((m) => Object.keys(m).length <= 64, 'at most 64 entries');
const outcomes = z
  .object(
    Object.fromEntries(OUTCOME_CLASSES.map((c) => [c, count])) as Record<
      (typeof OUTCOME_CLASSES)[number],
      typeof count
    >,
  )
  .strict();
const version = z.literal(PROTOCOL_VERSION);

// ---- subjects --------------------------------------------------------------------------------

export const STREAMS = {
  /** Work-queue stream of shards: the engine owns delivery and redelivery. */
  work: 'STAMPEDE_WORK',
  /** Everything a run leaves behind: its plan, progress snapshots and results, kept for resume. */
  runs: 'STAMPEDE_RUNS',
} as const;

export const AGENTS_BUCKET = 'stampede_agents';

export const SUBJECTS = {
  workAll: 'stampede.work.>',
  /** One durable consumer per capability; the capability token keeps their filters disjoint. */
  workFor: (capability: string) => `stampede.work.${capability}.>`,
  shard: (capability: string, runId: string, shardId: string) =>
    `stampede.work.${capability}.${runId}.${shardId}`,
  runsAll: 'stampede.run.>',
  plan: (runId: string) => `stampede.run.${runId}.plan`,
  /** The agent id is the last token: the coordinator takes identity from the subject. */
  result: (runId: string, shardId: string, agentId: string) =>
    `stampede.run.${runId}.result.${shardId}.${agentId}`,
  resultsOf: (runId: string) => `stampede.run.${runId}.result.>`,
  progress: (runId: string, shardId: string, agentId: string) =>
    `stampede.run.${runId}.progress.${shardId}.${agentId}`,
  progressOf: (runId: string) => `stampede.run.${runId}.progress.>`,
  lease: (runId: string) => `stampede.ctl.${runId}.lease`,
  abort: (runId: string) => `stampede.ctl.${runId}.abort`,
  ready: (runId: string) => `stampede.ctl.${runId}.ready`,
  clock: (runId: string) => `stampede.ctl.${runId}.clock`,
  maxDeliveries: (stream: string) => `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.*`,
} as const;

export const consumerName = (capability: string) => `work-${capability}`;

// ---- messages --------------------------------------------------------------------------------

const thermalStatus = z
  .object({
    sensor: shortText,
    real: z.boolean(),
    state: z.enum(['running', 'throttled', 'blocked']),
    celsius: z.number().finite().nullable(),
  })
  .strict();

export const announceSchema = z
  .object({
    kind: z.literal('agent.announce'),
    protocol: z.number().int(),
    agentId: token,
    session: token,
    name: shortText,
    host: shortText,
    pid: count,
    cores: z.number().int().min(1).max(4096),
    threads: z.number().int().min(1).max(4096),
    memoryBytes: count,
    cpuModel: shortText,
    platform: shortText,
    node: shortText,
    capabilities: z.array(z.enum(CAPABILITIES)).max(CAPABILITIES.length),
    catalogueHash: z.string().max(64),
    scenarios: z.array(z.string().max(64)).max(200),
    startedAt: epochMs,
    heartbeatAt: epochMs,
    busyShards: count,
    thermal: thermalStatus.optional(),
  })
  .strict();

export const shardAssignSchema = z
  .object({
    kind: z.literal('shard.assign'),
    protocol: version,
    catalogueHash: z.string().max(64),
    runId: token,
    shardId: token,
    caseId: z.string().max(130),
    suite: z.enum(SUITES),
    caseName: z.string().max(64),
    title: shortText,
    scenario: z.string().regex(/^[a-z0-9_]{1,64}$/),
    index: z.number().int().min(0).max(10_000),
    count: z.number().int().min(1).max(10_000),
    load: loadSpecSchema,
    params: paramsSchema,
    faults: faultSpecSchema.optional(),
    target: z.string().url().max(2048),
    timeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(24 * 3600_000),
    leaseTimeoutMs: z.number().int().min(500).max(60_000),
    progressIntervalMs: z.number().int().min(100).max(60_000),
  })
  .strict();

export const readySchema = z
  .object({
    kind: z.literal('shard.ready'),
    protocol: version,
    runId: token,
    shardId: token,
    attempt: z.number().int().min(1).max(1000),
    agentId: token,
    session: token,
  })
  .strict();

export const startSchema = z
  .object({
    kind: z.literal('shard.start'),
    protocol: version,
    runId: token,
    shardId: token,
    attempt: z.number().int().min(1).max(1000),
    go: z.boolean(),
    /** Coordinator clock; the agent converts with its measured offset. */
    startAt: epochMs,
    /** Coordinator clock: nothing new starts after this. */
    deadlineAt: epochMs,
    reason: shortText.optional(),
  })
  .strict();

export const clockPingSchema = z
  .object({ kind: z.literal('clock.ping'), protocol: version, t0: z.number().finite() })
  .strict();
export const clockPongSchema = z
  .object({
    kind: z.literal('clock.pong'),
    protocol: version,
    t0: z.number().finite(),
    now: z.number().finite(),
  })
  .strict();

export const leaseSchema = z
  .object({ kind: z.literal('run.lease'), protocol: version, runId: token, seq: count, at: epochMs })
  .strict();
export const abortSchema = z
  .object({ kind: z.literal('run.abort'), protocol: version, runId: token, reason: shortText })
  .strict();

const shardReport = {
  protocol: version,
  runId: token,
  shardId: token,
  attempt: z.number().int().min(1).max(1000),
  agentId: token,
  session: token,
  ops: count,
  ok: count,
  bytes: count,
  outcomes,
  blockedMs: count,
};

export const progressSchema = z
  .object({
    kind: z.literal('shard.progress'),
    ...shardReport,
    seq: count,
    elapsedMs: count,
    thermalState: thermalStatus.shape.state.optional(),
  })
  .strict();

export const SHARD_STATUSES = ['completed', 'aborted', 'failed', 'skipped', 'thermal_blocked'] as const;
export type ShardStatus = (typeof SHARD_STATUSES)[number];

const thermalEvent = z
  .object({
    t: epochMs,
    type: z.enum(['block', 'resume', 'throttle', 'sensor_fault']),
    celsius: z.number().finite().nullable(),
    detail: shortText,
  })
  .strict();
const thermalSample = z
  .object({ t: epochMs, celsius: z.number().finite().nullable(), state: thermalStatus.shape.state })
  .strict();

export const thermalReportSchema = z
  .object({
    sensor: shortText,
    real: z.boolean(),
    blockCelsius: z.number().finite(),
    resumeCelsius: z.number().finite(),
    peakCelsius: z.number().finite().nullable(),
    blockedMs: count,
    events: z.array(thermalEvent).max(1000),
    timeline: z.array(thermalSample).max(1000),
    /** Operations started while the reading was at or above the block limit (must stay 0). */
    opsStartedWhileHot: count,
  })
  .strict();
export type ThermalReport = z.infer<typeof thermalReportSchema>;

/** Whether the worker thread that generated a shard's load kept up (agent/worker/generatorHealth.ts). */
export const generatorHealthSchema = z
  .object({
    saturated: z.boolean(),
    /** Event-loop utilisation of the worker thread over the load phase, in percent. */
    cpuBusyPct: z.number().finite().min(0).max(100),
    /** CPU time of the worker thread against wall time, in percent (Linux only). */
    threadCpuPct: z.number().finite().min(0).max(1000).optional(),
    eventLoopDelayP99Ms: z.number().finite().min(0).max(1e9),
    /** Open model: p99 of how late operations started against their intended start. */
    scheduleLagP99Ms: z.number().finite().min(0).max(1e9),
    dropped: count,
    reason: shortText.optional(),
  })
  .strict();
export type GeneratorHealth = z.infer<typeof generatorHealthSchema>;

export const resultSchema = z
  .object({
    kind: z.literal('shard.result'),
    ...shardReport,
    status: z.enum(SHARD_STATUSES),
    note: shortText.optional(),
    /** The start instant the coordinator gave, and when the load really began, both on its clock. */
    startAt: epochMs,
    startedAt: epochMs,
    clockOffsetMs: z.number().finite(),
    /** Load time, thermal blocking excluded. */
    durationMs: count,
    counters: numberMap,
    gauges: numberMap,
    errors: z.array(z.object({ key: z.string().max(200), count }).strict()).max(50),
    histogram: z.string().max(MAX_ENCODED_HISTOGRAM_CHARS),
    /** Per-second operation counts of this shard, for the report's timeline. */
    perSecond: z.array(count).max(24 * 3600),
    thermal: thermalReportSchema.optional(),
    generator: generatorHealthSchema.optional(),
  })
  .strict();

const planShard = z
  .object({
    shardId: token,
    index: z.number().int().min(0),
    count: z.number().int().min(1),
    load: loadSpecSchema,
  })
  .strict();
export const planSchema = z
  .object({
    kind: z.literal('run.plan'),
    protocol: version,
    runId: token,
    createdAt: epochMs,
    selection: z.array(z.string().max(64)).max(100),
    target: z.string().max(2048),
    cases: z
      .array(
        z
          .object({
            caseId: z.string().max(130),
            scenario: z.string().max(64),
            needs: z.enum(CAPABILITIES),
            shards: z.array(planShard).max(1000),
          })
          .strict(),
      )
      .max(500),
  })
  .strict();

export type Announce = z.infer<typeof announceSchema>;
export type ShardAssign = z.infer<typeof shardAssignSchema>;
export type Ready = z.infer<typeof readySchema>;
export type Start = z.infer<typeof startSchema>;
export type ClockPing = z.infer<typeof clockPingSchema>;
export type ClockPong = z.infer<typeof clockPongSchema>;
export type Lease = z.infer<typeof leaseSchema>;
export type Abort = z.infer<typeof abortSchema>;
export type Progress = z.infer<typeof progressSchema>;
export type ShardResult = z.infer<typeof resultSchema>;
export type RunPlan = z.infer<typeof planSchema>;
export type Message =
  | Announce
  | ShardAssign
  | Ready
  | Start
  | ClockPing
  | ClockPong
  | Lease
  | Abort
  | Progress
  | ShardResult
  | RunPlan;

// ---- decoding --------------------------------------------------------------------------------

export type RejectReason = 'oversized' | 'malformed' | 'wrong_kind' | 'version' | 'invalid';

export class ProtocolError extends Error {
  readonly code = 'E_PROTOCOL';
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

interface Definition<T> {
  schema: z.ZodType<T>;
  maxBytes: number;
}

const definitions = {
  'agent.announce': { schema: announceSchema, maxBytes: 16 * 1024 },
  'shard.assign': { schema: shardAssignSchema, maxBytes: 256 * 1024 },
  'shard.ready': { schema: readySchema, maxBytes: 4 * 1024 },
  'shard.start': { schema: startSchema, maxBytes: 4 * 1024 },
  'clock.ping': { schema: clockPingSchema, maxBytes: 1024 },
  'clock.pong': { schema: clockPongSchema, maxBytes: 1024 },
  'run.lease': { schema: leaseSchema, maxBytes: 1024 },
  'run.abort': { schema: abortSchema, maxBytes: 4 * 1024 },
  'shard.progress': { schema: progressSchema, maxBytes: 16 * 1024 },
  'shard.result': { schema: resultSchema, maxBytes: 768 * 1024 },
  'run.plan': { schema: planSchema, maxBytes: 900 * 1024 },
} satisfies Record<Message['kind'], Definition<unknown>>;

type Kind = keyof typeof definitions;
type MessageOf<K extends Kind> = Extract<Message, { kind: K }>;

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

function describeIssue(issue: z.ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  if (issue.code === 'unrecognized_keys') return `${where}: unknown field(s) ${issue.keys.join(', ')}`;
  return `${where}: ${issue.message}`;
}

function decode<K extends Kind>(kind: K, data: Uint8Array): MessageOf<K> {
  const { schema, maxBytes } = definitions[kind] as unknown as Definition<MessageOf<K>>;
  if (data.byteLength > maxBytes)
    throw new ProtocolError(
      'oversized',
      `${kind}: ${data.byteLength} bytes exceeds the limit of ${maxBytes}`,
    );
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    throw new ProtocolError('malformed', `${kind}: not UTF-8 JSON`);
  }
  if (typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== kind) {
    throw new ProtocolError(
      'wrong_kind',
      `expected a ${kind} message, got kind ${JSON.stringify((value as { kind?: unknown } | null)?.kind ?? null)}`,
    );
  }
  const protocol = (value as { protocol?: unknown }).protocol;
  if (protocol !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'version',
      `${kind}: protocol version ${JSON.stringify(protocol)} does not match ours (${PROTOCOL_VERSION})`,
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ProtocolError('invalid', `${kind}: ${describeIssue(parsed.error.issues[0])}`);
  return parsed.data;
}

/**
 * Announces are decoded without the version check so that the coordinator can refuse an agent
 * of another protocol version by name instead of dropping it silently.
 */
export function decodeAnnounce(data: Uint8Array): Announce {
  const { schema, maxBytes } = definitions['agent.announce'];
  if (data.byteLength > maxBytes)
    throw new ProtocolError(
      'oversized',
      `agent.announce: ${data.byteLength} bytes exceeds the limit of ${maxBytes}`,
    );
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    throw new ProtocolError('malformed', 'agent.announce: not UTF-8 JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ProtocolError('invalid', `agent.announce: ${describeIssue(parsed.error.issues[0])}`);
  return parsed.data;
}

export const decodeShardAssign = (data: Uint8Array) => decode('shard.assign', data);
export const decodeReady = (data: Uint8Array) => decode('shard.ready', data);
export const decodeStart = (data: Uint8Array) => decode('shard.start', data);
export const decodeClockPing = (data: Uint8Array) => decode('clock.ping', data);
export const decodeClockPong = (data: Uint8Array) => decode('clock.pong', data);
export const decodeLease = (data: Uint8Array) => decode('run.lease', data);
export const decodeAbort = (data: Uint8Array) => decode('run.abort', data);
export const decodeProgress = (data: Uint8Array) => decode('shard.progress', data);
export const decodeResult = (data: Uint8Array) => decode('shard.result', data);
export const decodePlan = (data: Uint8Array) => decode('run.plan', data);

/** Encodes a message, refusing one that its own decoder would reject as oversized. */
export function encode(message: Message): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(message));
  const limit = definitions[message.kind].maxBytes;
  if (bytes.byteLength > limit)
    throw new ProtocolError(
      'oversized',
      `${message.kind}: ${bytes.byteLength} bytes exceeds the limit of ${limit}`,
    );
  return bytes;
}

/**
 * Counts rejected messages by reason and logs the first few of each, so a flood of garbage can
 * neither crash a process nor drown its log.
 */
export class RejectedMessages {
  readonly counts = new Map<RejectReason | 'other', number>();
  constructor(
    private readonly log: (line: string) => void,
    private readonly logFirst = 5,
  ) {}

  record(subject: string, error: unknown): void {
    const reason = error instanceof ProtocolError ? error.reason : 'other';
    const n = (this.counts.get(reason) ?? 0) + 1;
    this.counts.set(reason, n);
    if (n <= this.logFirst) {
      const suffix = n === this.logFirst ? ' (further ones of this kind are counted, not logged)' : '';
      this.log(`rejected message on ${subject}: ${(error as Error).message}${suffix}`);
    }
  }

  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }
}
