/**
 * The bus messages: one strict, bounded schema per message kind, and the union of them all
 * (tagged by `kind`, carrying the protocol version). Nothing received is ever executed: shards
 * name installed scenarios and carry JSON parameters.
 */
import { z } from 'zod';
import { CAPABILITIES, SUITES } from '../model/catalogue.js';
import { faultSpecSchema } from '../model/faults.js';
import { MAX_ENCODED_HISTOGRAM_CHARS } from '../metrics/histogram.js';
import { OUTCOME_CLASSES } from '../metrics/outcomes.js';
import { PROTOCOL_VERSION } from './version.js';
import { caseSettingsSchema, loadSpecSchema, paramsSchema } from '../model/testCase.js';
import { clusterSettingsSchema } from '../config/cluster.js';
import { MAX_ATTEMPT, MAX_GENERATION } from './attempts.js';

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
const attemptNo = z.number().int().min(1).max(MAX_ATTEMPT);
const generation = z.number().int().min(0).max(MAX_GENERATION);

// ---- subjects --------------------------------------------------------------------------------

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
    /** The run's generation (0, +1 per resume); attempts are numbered from it. Absent: 0. */
    generation: generation.optional(),
    /** How the attempt rides out a lapsed lease; absent: the agent's own cluster settings. */
    timings: clusterSettingsSchema
      .innerType()
      .pick({
        pauseGraceMs: true,
        afterGrace: true,
        inProgressMs: true,
        readyTimeoutMs: true,
      })
      .optional(),
  })
  .strict();

export const readySchema = z
  .object({
    kind: z.literal('shard.ready'),
    protocol: version,
    runId: token,
    shardId: token,
    attempt: attemptNo,
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
    attempt: attemptNo,
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

/** The most shard attempts one lease names. */
export const MAX_GRANTS = 4096;

export const leaseSchema = z
  .object({
    kind: z.literal('run.lease'),
    protocol: version,
    runId: token,
    seq: count,
    at: epochMs,
    /** The coordinator's generation; a lease of a newer one supersedes every older attempt. */
    generation: generation.optional(),
    /** [shardId, attempt] of every attempt allowed to run now; a started attempt not named stops. */
    grants: z
      .array(z.tuple([token, attemptNo]))
      .max(MAX_GRANTS)
      .optional(),
  })
  .strict();
export const abortSchema = z
  .object({ kind: z.literal('run.abort'), protocol: version, runId: token, reason: shortText })
  .strict();

const shardReport = {
  protocol: version,
  runId: token,
  shardId: token,
  attempt: attemptNo,
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
    /** Time paused for a lapsed lease so far, and whether it is paused now. */
    pausedMs: count.optional(),
    paused: z.boolean().optional(),
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

/** The most pauses one result lists; later ones still count in pausedMs. */
export const MAX_PAUSES = 100;

const pauseSchema = z
  .object({
    /** Agent clock, when the load paused. */
    at: epochMs,
    ms: count,
    /** Why: the lease lapsed; and how it ended: resumed, or stopped when the grace ran out. */
    ended: z.enum(['resumed', 'grace_expired', 'stopped']),
  })
  .strict();
export type Pause = z.infer<typeof pauseSchema>;

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
    /** Load time spent paused for a lapsed lease (excluded from durationMs, like blockedMs). */
    pausedMs: count.optional(),
    pauses: z.array(pauseSchema).max(MAX_PAUSES).optional(),
    /** The agent handed the delivery back (or lost it to a newer attempt): another attempt follows. */
    retried: z.boolean().optional(),
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
            /** The case's settings as run, so that a resumed run judges it the same way. */
            settings: caseSettingsSchema.optional(),
          })
          .strict(),
      )
      .max(500),
    /** What a resume needs besides the cases. */
    request: z
      .object({
        mode: z.string().max(64),
        skipped: z.array(z.object({ suite: z.string().max(64), reason: shortText }).strict()).max(100),
        agents: z.number().int().min(1).max(1000),
        /** The target was the embedded reference target: a resume starts a new one. */
        embeddedTarget: z.boolean(),
        config: z.array(z.string().max(4096)).max(50),
        cluster: clusterSettingsSchema.innerType(),
        startedAt: epochMs,
      })
      .strict()
      .optional(),
  })
  .strict();

export const RUN_STATUSES = ['running', 'completed', 'interrupted', 'timed_out', 'cluster_failure'] as const;

/** A coordinator's word on a run, stored each time it starts or ends one: the newest one stands. */
export const runStateSchema = z
  .object({
    kind: z.literal('run.state'),
    protocol: version,
    runId: token,
    generation,
    status: z.enum(RUN_STATUSES),
    at: epochMs,
    host: shortText,
    pid: count,
    note: shortText.optional(),
  })
  .strict();

/** A shard the coordinator settled, stored so that a resumed run keeps the same decision. */
export const acceptedSchema = z
  .object({
    kind: z.literal('shard.accepted'),
    protocol: version,
    runId: token,
    shardId: token,
    generation,
    state: z.enum(['done', 'lost']),
    /** With `done`: the accepted result's attempt and session. */
    attempt: attemptNo.optional(),
    session: token.optional(),
    agentId: token.optional(),
    reason: shortText.optional(),
    at: epochMs,
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
export type RunState = z.infer<typeof runStateSchema>;
export type RunStatusWord = RunState['status'];
export type ShardAccepted = z.infer<typeof acceptedSchema>;
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
  | RunPlan
  | RunState
  | ShardAccepted;

// ---- decoding --------------------------------------------------------------------------------
