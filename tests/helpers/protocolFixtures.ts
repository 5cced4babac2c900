/**
 * One valid message of every kind, for tests that forge, mutate or fuzz bus traffic: each decodes
 * cleanly, so whatever a test changes is what gets rejected.
 */
import { CATALOGUE_HASH } from '../../shared/model/catalogue.js';
import { createMergeHistogram, encodeHistogram } from '../../shared/metrics/histogram.js';
import { emptyOutcomes } from '../../shared/metrics/outcomes.js';
import {
  PROTOCOL_VERSION,
  type Announce,
  type Message,
  type ShardResult,
} from '../../shared/protocol/index.js';

const protocol = PROTOCOL_VERSION;
const at = 1_764_000_000_000;

export function resultMessage(runId: string, shardId: string, agentId: string, ops = 10): ShardResult {
  return {
    kind: 'shard.result',
    protocol,
    runId,
    shardId,
    attempt: 1,
    agentId,
    session: 'abcdef012345',
    ops,
    ok: ops,
    bytes: 0,
    outcomes: { ...emptyOutcomes(), '2xx': ops },
    blockedMs: 0,
    status: 'completed',
    startAt: at,
    startedAt: at,
    clockOffsetMs: 0,
    durationMs: 1000,
    counters: {},
    gauges: {},
    errors: [],
    histogram: encodeHistogram(createMergeHistogram()),
    perSecond: [ops],
  };
}

export function announceMessage(agentId: string): Announce {
  return {
    kind: 'agent.announce',
    protocol,
    agentId,
    session: 'abcdef012345',
    name: agentId,
    host: 'host',
    pid: 1,
    cores: 2,
    threads: 1,
    memoryBytes: 1 << 30,
    cpuModel: 'cpu',
    platform: 'linux',
    node: 'v20',
    capabilities: ['http'],
    catalogueHash: CATALOGUE_HASH,
    scenarios: ['http'],
    startedAt: at,
    heartbeatAt: Date.now(),
    busyShards: 0,
  };
}

const attemptOf = {
  protocol,
  runId: 'r1',
  shardId: 's-0',
  attempt: 1,
  agentId: 'a1',
  session: 'abc',
} as const;

/** A valid example of every message kind, keyed by kind. */
export const VALID_MESSAGES: { [K in Message['kind']]: Extract<Message, { kind: K }> } = {
  'agent.announce': announceMessage('a1'),
  'shard.assign': {
    kind: 'shard.assign',
    protocol,
    catalogueHash: CATALOGUE_HASH,
    runId: 'r1',
    shardId: 's-0',
    caseId: 'concurrency.adhoc_load',
    suite: 'concurrency',
    caseName: 'adhoc_load',
    title: 't',
    scenario: 'http',
    index: 0,
    count: 1,
    load: { connections: 2, requests: 10, durationMs: 1000, rate: 0 },
    params: { path: '/' },
    target: 'http://127.0.0.1:1/',
    timeoutMs: 5000,
    leaseTimeoutMs: 2000,
    progressIntervalMs: 1000,
  },
  'shard.ready': { kind: 'shard.ready', ...attemptOf },
  'shard.start': {
    kind: 'shard.start',
    protocol,
    runId: 'r1',
    shardId: 's-0',
    attempt: 1,
    go: true,
    startAt: at,
    deadlineAt: at + 1000,
  },
  'clock.ping': { kind: 'clock.ping', protocol, t0: at },
  'clock.pong': { kind: 'clock.pong', protocol, t0: at, now: at + 1 },
  'run.lease': { kind: 'run.lease', protocol, runId: 'r1', seq: 1, at },
  'run.abort': { kind: 'run.abort', protocol, runId: 'r1', reason: 'test' },
  'shard.progress': {
    kind: 'shard.progress',
    ...attemptOf,
    ops: 1,
    ok: 1,
    bytes: 0,
    outcomes: emptyOutcomes(),
    blockedMs: 0,
    seq: 1,
    elapsedMs: 100,
  },
  'shard.result': resultMessage('r1', 's-0', 'a1'),
  'run.plan': {
    kind: 'run.plan',
    protocol,
    runId: 'r1',
    createdAt: at,
    selection: ['concurrency'],
    target: 'http://127.0.0.1:1',
    cases: [
      {
        caseId: 'concurrency.adhoc_load',
        scenario: 'http',
        needs: 'http',
        shards: [
          {
            shardId: 's-0',
            index: 0,
            count: 1,
            load: { connections: 1, requests: 0, durationMs: 1, rate: 0 },
          },
        ],
      },
    ],
  },
  'run.state': {
    kind: 'run.state',
    protocol,
    runId: 'r1',
    generation: 0,
    status: 'running',
    at: Date.now(),
    host: 'h',
    pid: 1,
  },
  'shard.accepted': {
    kind: 'shard.accepted',
    protocol,
    runId: 'r1',
    shardId: 's-0',
    generation: 0,
    state: 'done',
    attempt: 1,
    session: 'abc',
    agentId: 'a1',
    at: Date.now(),
  },
};
