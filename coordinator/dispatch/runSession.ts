/**
 * The bus side of one run on the coordinator, composed of its parts: the lease and clock
 * service, the ready barrier, the result collector, the dead-letter handler, the journal and the
 * placement. It places a case's unsettled shards on their agents' work consumers and waits until
 * each has a result, is lost, or times out, moving those whose agent is lost.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { ClusterSettings } from '../../shared/config/config.js';
import {
  PROTOCOL_VERSION,
  STREAMS,
  SUBJECTS,
  encode,
  type RejectedMessages,
  type RunPlan,
  type RunStatusWord,
} from '../../shared/protocol/index.js';
import { DeadLetters } from './deadLetters.js';
import { RunJournal } from './journal.js';
import { LeaseAndClock } from './leaseAndClock.js';
import { ShardPlacer, type AgentView, type MessageOf } from './placement.js';
import { ReadyBarrier } from './readyBarrier.js';
import { ResultCollector, type FenceCounts } from './resultCollector.js';
import { readResults } from './resultReader.js';
import { RunBook } from './runBook.js';
import { isSettled, type CaseRun } from './runState.js';
import { shardMessage } from './shardMessage.js';

/** Time after a case's deadline for results to arrive. */
const RESULT_GRACE_MS = 8_000;
const CASE_TICK_MS = 1000;
const ABORT_POLL_MS = 100;

export interface SessionDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  runId: string;
  /** 0 for a new run, +1 for each resume. */
  generation: number;
  cluster: ClusterSettings;
  /** Which agents are heartbeating, and which may take a case (the roster's view). */
  agents: AgentView;
  /** Time this coordinator has spent cut off from NATS; a case's deadline moves by it. */
  offlineMs: () => number;
  /** Read results stored after this stream sequence only (a resume has read the earlier ones). */
  resultsAfterSeq?: number;
  rejected: RejectedMessages;
  log: (line: string) => void;
}

export class RunSession {
  private readonly book: RunBook;
  private readonly lease: LeaseAndClock;
  private readonly barrier: ReadyBarrier;
  private readonly collector: ResultCollector;
  private readonly deadLetters: DeadLetters;
  private readonly placer: ShardPlacer;
  readonly journal: RunJournal;
  private readonly subscriptions: Subscription[] = [];
  private stopResults?: () => Promise<void>;

  constructor(private readonly deps: SessionDeps) {
    const { cluster } = deps;
    this.book = new RunBook(deps.runId, deps.generation, (agentId) => deps.agents.isLive(agentId));
    this.placer = new ShardPlacer({
      ...deps,
      ranOut: (shard, seq, deliveries) => this.deadLetters.ranOut(shard, seq, deliveries),
    });
    this.journal = new RunJournal(deps.js, deps.runId, deps.generation, deps.log);
    this.lease = new LeaseAndClock(deps.nc, this.book, deps.rejected, cluster.leasePeriodMs);
    this.barrier = new ReadyBarrier(this.book, deps.rejected);
    this.collector = new ResultCollector(this.book, deps.rejected, this.journal);
    this.deadLetters = new DeadLetters(
      this.book,
      deps.jsm,
      deps.rejected,
      deps.log,
      cluster.missingAfterMs,
      this.journal,
    );
  }

  /** Results fenced off so far: duplicates of an accepted attempt, and stale attempts. */
  fenceCounts(): Readonly<FenceCounts> {
    return this.collector.counts();
  }

  /** Makes every shard of the run known, so a late result of any case is recognised and fenced. */
  register(runs: readonly CaseRun[]): void {
    for (const run of runs)
      for (const shard of run.shards) this.book.shards.set(shard.planned.shardId, shard);
  }

  async open(): Promise<void> {
    const { runId, resultsAfterSeq } = this.deps;
    this.subscriptions.push(
      this.listen(SUBJECTS.clock(runId), (msg) => this.lease.onClock(msg)),
      this.listen(SUBJECTS.readiesOf(runId), (msg) => this.barrier.onReady(msg)),
      this.listen(SUBJECTS.progressOf(runId), (msg) => this.collector.onProgress(msg.subject, msg.data)),
      this.listen(SUBJECTS.maxDeliveries(STREAMS.work), (msg) => void this.deadLetters.onMaxDeliveries(msg)),
    );
    this.lease.start();
    this.stopResults = await readResults({ ...this.deps, afterSeq: resultsAfterSeq }, (subject, data) =>
      this.collector.onResult(subject, data),
    );
  }

  private listen(subject: string, handle: (msg: Msg) => void): Subscription {
    return this.deps.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (!err) handle(msg);
      },
    });
  }

  async publishPlan(plan: RunPlan): Promise<void> {
    await this.deps.js.publish(SUBJECTS.plan(this.deps.runId), encode(plan), {
      msgID: `${this.deps.runId}.plan`,
    });
  }

  /** Records that this coordinator runs the run now, or how it ended. */
  markRun(status: RunStatusWord, note?: string): Promise<void> {
    return this.journal.state(status, note);
  }

  /**
   * Places a case's unsettled shards and waits until each has a result, is lost, or the case
   * times out; every tick places shards that found no agent yet and moves those whose agent is lost.
   */
  async runCase(run: CaseRun, target: string, onTick?: () => void): Promise<void> {
    const { cluster, runId, generation } = this.deps;
    const { book } = this;
    const deadlineAt = Date.now() + run.planned.settings.timeoutMs;
    const toRun = run.shards.filter((s) => !isSettled(s));
    book.active = { run, dispatched: toRun.length, held: [], deadlineAt };
    const messageOf: MessageOf = (shard, attemptBase) =>
      shardMessage(runId, target, cluster, run, shard, generation, attemptBase);
    for (const shard of toRun) await this.placer.place(run, shard, messageOf);
    const offlineBefore = this.deps.offlineMs();
    const giveUpAt = () => deadlineAt + RESULT_GRACE_MS + (this.deps.offlineMs() - offlineBefore);
    while (!run.shards.every(isSettled) && Date.now() < giveUpAt() && !book.aborting) {
      await book.nap(CASE_TICK_MS);
      // NATS away: the next tick tries again.
      await this.placer.tend(run, messageOf).catch(() => undefined);
      onTick?.();
    }
    clearTimeout(book.active.readyTimer);
    if (!book.aborting) this.settleUnfinished(run, 'the case timed out');
    run.finishedAt = Date.now();
    // Shards nobody took (their agent gone) must not linger in the work queue. Cases run one at
    // a time, so the run's subjects hold only this case's shards.
    await this.deps.jsm.streams
      .purge(STREAMS.work, { filter: SUBJECTS.shardsOf(runId) })
      .catch(() => undefined);
  }

  settleUnfinished(run: CaseRun, reason: string): void {
    for (const shard of run.shards) {
      if (isSettled(shard)) continue;
      shard.state = 'unfinished';
      shard.lostReason = reason;
      shard.grant = undefined;
    }
  }

  /** Tells agents to stop, and waits a little for the partial results they store on the way out. */
  async abort(reason: string, run?: CaseRun, graceMs = 5000): Promise<void> {
    this.book.aborting = true;
    const { nc, runId } = this.deps;
    nc.publish(
      SUBJECTS.abort(runId),
      encode({ kind: 'run.abort', protocol: PROTOCOL_VERSION, runId, reason }),
    );
    if (run) {
      const until = Date.now() + graceMs;
      while (!run.shards.every((s) => isSettled(s) || s.state === 'pending') && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, ABORT_POLL_MS));
      }
      this.settleUnfinished(run, reason);
    }
    await nc.flush().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.lease.stop();
    await this.stopResults?.();
    for (const s of this.subscriptions) s.unsubscribe();
    await this.journal.flush();
  }
}
