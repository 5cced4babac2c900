/**
 * Reading runs back from the runs stream (STAMPEDE_RUNS): one run's plan, journal (states and
 * settled shards) and results, for `resume`; and a summary of every stored run, for `runs`.
 * Everything is decoded and validated like any other message off the bus; what does not decode is
 * counted and skipped.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ClusterError } from '../../shared/errors.js';
import {
  STREAMS,
  SUBJECTS,
  decodeAccepted,
  decodePlan,
  decodeResult,
  decodeRunState,
  type RejectedMessages,
  type RunPlan,
  type RunState,
  type ShardAccepted,
  type ShardResult,
} from '../../shared/protocol/index.js';

const READ_LIMIT_MS = 20_000;

interface StoredMessage {
  subject: string;
  data: Uint8Array;
  seq: number;
}

interface Store {
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** Every stored message on `filter`, in stream order. */
async function readAll({ js, jsm }: Store, filter: string): Promise<StoredMessage[]> {
  const info = await jsm.streams.info(STREAMS.runs, { subjects_filter: filter });
  const total = Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
  if (total === 0) return [];
  const consumer = await js.consumers.get(STREAMS.runs, { filter_subjects: filter });
  const messages = await consumer.consume();
  const timer = setTimeout(() => void messages.close(), READ_LIMIT_MS);
  const out: StoredMessage[] = [];
  try {
    for await (const m of messages) {
      out.push({ subject: m.subject, data: m.data, seq: m.seq });
      if (m.info.pending === 0 || out.length >= total) break;
    }
  } finally {
    clearTimeout(timer);
    await messages.close();
  }
  if (out.length < total)
    throw new ClusterError(
      `read ${out.length} of ${total} stored messages on ${filter} within ${READ_LIMIT_MS / 1000} s`,
    );
  return out;
}

function decodeEach<T>(
  messages: StoredMessage[],
  decode: (m: StoredMessage) => T,
  rejected: RejectedMessages,
): T[] {
  const out: T[] = [];
  for (const m of messages) {
    try {
      out.push(decode(m));
    } catch (error) {
      rejected.record(`stored ${m.subject}`, error);
    }
  }
  return out;
}

export interface StoredRun {
  plan: RunPlan;
  /** The coordinators' words on the run, oldest first. */
  states: RunState[];
  /** Settled shards by id (the newest record of each). */
  accepted: Map<string, ShardAccepted>;
  /** Every stored result, oldest first. */
  results: ShardResult[];
  /** The last stream sequence read: a resumed session reads results after it. */
  lastSeq: number;
}

const kindOf = (runId: string, subject: string) =>
  subject.slice(`stampede.run.${runId}.`.length).split('.')[0];

export async function readStoredRun(
  store: Store,
  runId: string,
  rejected: RejectedMessages,
): Promise<StoredRun | undefined> {
  const all = await readAll(store, SUBJECTS.runAll(runId));
  const of = (kind: string) => all.filter((m) => kindOf(runId, m.subject) === kind);
  const plan = decodeEach(of('plan'), (m) => decodePlan(m.data), rejected).at(-1);
  if (!plan) return undefined;
  const results = decodeEach(
    of('result'),
    (m) => {
      const result = decodeResult(m.data);
      // Identity comes from the subject the agent was allowed to publish on, not the payload.
      if (m.subject.split('.').at(-1) !== result.agentId || result.runId !== runId)
        throw new Error(
          `stored result on ${m.subject} claims agent ${result.agentId} of run ${result.runId}`,
        );
      return result;
    },
    rejected,
  );
  const accepted = new Map<string, ShardAccepted>();
  for (const a of decodeEach(of('accepted'), (m) => decodeAccepted(m.data), rejected))
    accepted.set(a.shardId, a);
  return {
    plan,
    states: decodeEach(of('state'), (m) => decodeRunState(m.data), rejected),
    accepted,
    results,
    lastSeq: all.reduce((max, m) => Math.max(max, m.seq), 0),
  };
}

export interface RunSummary {
  runId: string;
  createdAt: number;
  selection: string[];
  target: string;
  shards: number;
  settled: number;
  /** The newest state; `running` with no live coordinator means the coordinator died. */
  status: RunState['status'];
  generation: number;
  updatedAt: number;
  /** Planned by a coordinator that stores what a resume needs. */
  resumable: boolean;
}

export async function listStoredRuns(store: Store, rejected: RejectedMessages): Promise<RunSummary[]> {
  const plans = decodeEach(await readAll(store, SUBJECTS.plansAll), (m) => decodePlan(m.data), rejected);
  const states = decodeEach(
    await readAll(store, SUBJECTS.statesAll),
    (m) => decodeRunState(m.data),
    rejected,
  );
  const settled = new Map<string, Set<string>>();
  for (const m of await readAll(store, 'stampede.run.*.accepted.*')) {
    const [, , runId, , shardId] = m.subject.split('.');
    if (!settled.has(runId)) settled.set(runId, new Set());
    settled.get(runId)!.add(shardId);
  }
  return plans.map((plan) => {
    const newest = states.filter((s) => s.runId === plan.runId).at(-1);
    return {
      runId: plan.runId,
      createdAt: plan.createdAt,
      selection: plan.selection,
      target: plan.target,
      shards: plan.cases.reduce((sum, c) => sum + c.shards.length, 0),
      settled: settled.get(plan.runId)?.size ?? 0,
      status: newest?.status ?? 'running',
      generation: newest?.generation ?? 0,
      updatedAt: newest?.at ?? plan.createdAt,
      resumable: plan.request !== undefined && plan.cases.every((c) => c.settings !== undefined),
    };
  });
}

/** The runs whose coordinator's lease is heard within `ms`: they are running now. */
export async function leasedRuns(nc: NatsConnection, ms: number): Promise<Set<string>> {
  const seen = new Set<string>();
  const sub = nc.subscribe(SUBJECTS.lease('*'), {
    callback: (err, msg) => {
      if (!err) seen.add(msg.subject.split('.')[2]);
    },
  });
  await new Promise((resolve) => setTimeout(resolve, ms));
  sub.unsubscribe();
  return seen;
}
