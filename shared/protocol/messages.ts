/**
 * The bus messages: one strict, bounded schema per message kind, and the union of them all
 * (tagged by `kind`, carrying the protocol version). Nothing received is ever executed: shards
 * name installed scenarios and carry JSON parameters.
 */
import { z } from 'zod';
import { CAPABILITIES } from '../model/catalogue.js';
import { transportSchema } from '../custom/transport.js';
import { faultSpecSchema } from '../model/faults.js';
import { MAX_ENCODED_HISTOGRAM_CHARS } from '../metrics/histogram.js';
import { OUTCOME_CLASSES } from '../metrics/outcomes.js';
import { PROTOCOL_VERSION } from './version.js';
import { caseSettingsSchema, loadSpecSchema, paramsSchema } from '../model/testCase.js';
import { clusterSettingsSchema } from '../config/cluster.js';
import { ATTEMPTS_PER_GENERATION, MAX_ATTEMPT, MAX_GENERATION } from './attempts.js';

export { PROTOCOL_VERSION };

/** A subject token we generate: ids of runs, shards, agents and sessions. */
const token = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id of 1-64 letters, digits, _ or -');
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const epochMs = z.number().int().min(0).max(8.64e15);
const shortText = z.string().max(500);
const numberMap = z
  .record(z.string().regex(/^[a-zA-Z0-9_.-]{1,60}$/), z.number().finite())
  .refine((m) => Object.keys(m).length <= 128, 'at most 128 entries');
/** Named latency histograms of a shard (`step.login`, `ws.rtt`), encoded like the main one. */
export const MAX_NAMED_HISTOGRAMS = 24;
/** The largest `agent start --weight`: one machine may count as a hundred of another. */
export const MAX_WEIGHT = 100;
const namedHistograms = z
  .record(z.string().regex(/^[a-zA-Z0-9_.-]{1,60}$/), z.string().max(MAX_ENCODED_HISTOGRAM_CHARS))
  .refine((m) => Object.keys(m).length <= MAX_NAMED_HISTOGRAMS, `at most ${MAX_NAMED_HISTOGRAMS} entries`);
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
    /** Load per thread relative to other agents (`agent start --weight`); absent: 1. */
    weight: z.number().positive().max(MAX_WEIGHT).optional(),
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
    /** A built-in suite or one a config file added. */
    suite: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
    caseName: z.string().max(64),
    title: shortText,
    scenario: z.string().regex(/^[a-z0-9_]{1,64}$/),
    index: z.number().int().min(0).max(10_000),
    count: z.number().int().min(1).max(10_000),
    load: loadSpecSchema,
    params: paramsSchema,
    faults: faultSpecSchema.optional(),
    transport: transportSchema.optional(),
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
    /** Attempt numbers used by the agents this shard moved from (see attemptOfDelivery). Absent: 0. */
    attemptBase: z
      .number()
      .int()
      .min(0)
      .max(ATTEMPTS_PER_GENERATION - 2)
      .optional(),
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

/** The fields that name one attempt of a shard, on every message an agent sends about it. */
const attemptIdentity = {
  protocol: version,
  runId: token,
  shardId: token,
  attempt: attemptNo,
  agentId: token,
  session: token,
};

export const readySchema = z.object({ kind: z.literal('shard.ready'), ...attemptIdentity }).strict();

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
  ...attemptIdentity,
  ops: count,
  ok: count,
  bytes: count,
  outcomes,
  blockedMs: count,
};

/** Progress carries its histogram only while it stays small; the result always carries it. */
export const MAX_PROGRESS_HISTOGRAM_CHARS = 48 * 1024;

export const progressSchema = z
  .object({
    kind: z.literal('shard.progress'),
    ...shardReport,
    seq: count,
    elapsedMs: count,
    thermalState: thermalStatus.shape.state.optional(),
    /** The shard's cumulative latency histogram so far, for latency over time (omitted when large). */
    histogram: z.string().max(MAX_PROGRESS_HISTOGRAM_CHARS).optional(),
    /** Time paused for a lapsed lease so far, and whether it is paused now. */
    pausedMs: count.optional(),
    paused: z.boolean().optional(),
  })
  .strict();

export const SHARD_STATUSES = ['completed', 'aborted', 'failed', 'skipped', 'thermal_blocked'] as const;
export type ShardStatus = (typeof SHARD_STATUSES)[number];

/** What began a block: a reading at or above the block limit, a sensor fault, or a warm first reading. */
export const BLOCK_CAUSES = ['heat', 'sensor_fault', 'warm_start'] as const;

const thermalEvent = z
  .object({
    t: epochMs,
    type: z.enum(['block', 'resume', 'throttle', 'sensor_fault']),
    celsius: z.number().finite().nullable(),
    detail: shortText,
    /** Set on block events. */
    cause: z.enum(BLOCK_CAUSES).optional(),
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
    /** Gated requests started while the governor blocked work (must stay 0). */
    opsStartedWhileHot: count,
    /** Gated requests whose start was compared with the governor's block/resume instants. */
    requestsChecked: count.optional(),
    /** Gated requests outside the recorded range, not compared. */
    requestsUnchecked: count.optional(),
    /** Resolution of that comparison (the width of the start buckets), in ms. */
    checkResolutionMs: z.number().int().min(1).max(86_400_000).optional(),
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
    // 50 distinct keys, plus "other" for the rest (see the recorder).
    errors: z.array(z.object({ key: z.string().max(200), count }).strict()).max(51),
    histogram: z.string().max(MAX_ENCODED_HISTOGRAM_CHARS),
    histograms: namedHistograms.optional(),
    /** Per-second operation counts of this shard, for the report's timeline. */
    perSecond: z.array(count).max(24 * 3600),
    thermal: thermalReportSchema.optional(),
    generator: generatorHealthSchema.optional(),
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
    /** The agent the plan placed it on. */
    agentId: token.optional(),
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
