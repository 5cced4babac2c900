/**
 * The bus side of one run on the coordinator, composed of its parts: the lease and clock
 * service, the ready barrier, the result collector and the dead-letter handler. It dispatches a
 * case's shards into the work queue and waits until each has a result, is lost, or times out.
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
} from '../../shared/protocol/index.js';
import { DeadLetters } from './deadLetters.js';
import { LeaseAndClock } from './leaseAndClock.js';
import { ReadyBarrier } from './readyBarrier.js';
import { ResultCollector, type FenceCounts } from './resultCollector.js';
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
  cluster: ClusterSettings;
  rejected: RejectedMessages;
  log: (line: string) => void;
}

export class RunSession {
  private readonly book: RunBook;
  private readonly lease: LeaseAndClock;
  private readonly barrier: ReadyBarrier;
  private readonly collector: ResultCollector;
  private readonly deadLetters: DeadLetters;
  private readonly subscriptions: Subscription[] = [];
  private stopResults?: () => void;

  constructor(private readonly deps: SessionDeps) {
    this.book = new RunBook(deps.runId);
    this.lease = new LeaseAndClock(deps.nc, deps.runId, deps.rejected);
    this.barrier = new ReadyBarrier(this.book, deps.rejected);
    this.collector = new ResultCollector(this.book, deps.rejected);
    this.deadLetters = new DeadLetters(this.book, deps.jsm, deps.rejected, deps.log);
  }

  /** Results fenced off so far: duplicates of an accepted attempt, and stale attempts. */
  fenceCounts(): Readonly<FenceCounts> {
    return this.collector.counts();
  }

  async open(): Promise<void> {
    const { runId } = this.deps;
    this.subscriptions.push(
      this.listen(SUBJECTS.clock(runId), (msg) => this.lease.onClock(msg)),
      this.listen(SUBJECTS.ready(runId), (msg) => this.barrier.onReady(msg)),
      this.listen(SUBJECTS.progressOf(runId), (msg) => this.collector.onProgress(msg.subject, msg.data)),
      this.listen(SUBJECTS.maxDeliveries(STREAMS.work), (msg) => void this.deadLetters.onMaxDeliveries(msg)),
    );
    this.lease.start();
    // Results are read back from the runs stream, not a plain subscription: a result published
    // while this connection was down is still read, and the stream is what a resume would replay.
    const consumer = await this.deps.js.consumers.get(STREAMS.runs, {
      filter_subjects: SUBJECTS.resultsOf(runId),
    });
    const messages = await consumer.consume();
    this.stopResults = () => void messages.close();
    void (async () => {
      for await (const m of messages) this.collector.onResult(m.subject, m.data);
    })().catch((e) => this.deps.log(`result reader ended: ${(e as Error).message}`));
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

  /** Publishes a case's shards and waits until each has a result, is lost, or the case times out. */
  async runCase(run: CaseRun, target: string, onTick?: () => void): Promise<void> {
    const { cluster, runId, js } = this.deps;
    const { book } = this;
    const capability = run.planned.definition.needs;
    const deadlineAt = Date.now() + run.planned.settings.timeoutMs;
    book.active = { run, held: [], deadlineAt };
    for (const shard of run.shards) book.shards.set(shard.planned.shardId, shard);
    for (const shard of run.shards) {
      const message = shardMessage(runId, target, cluster, run, shard);
      await js.publish(SUBJECTS.shard(capability, runId, shard.planned.shardId), encode(message), {
        msgID: `${runId}.${shard.planned.shardId}`,
      });
    }
    const giveUpAt = deadlineAt + RESULT_GRACE_MS;
    while (!run.shards.every(isSettled) && Date.now() < giveUpAt && !book.aborting) {
      await book.nap(CASE_TICK_MS);
      onTick?.();
    }
    clearTimeout(book.active.readyTimer);
    if (!book.aborting) this.settleUnfinished(run, 'the case timed out');
    run.finishedAt = Date.now();
    // Shards nobody took (no eligible agent) must not linger in the work queue.
    await this.deps.jsm.streams
      .purge(STREAMS.work, { filter: SUBJECTS.shard(capability, runId, '*') })
      .catch(() => undefined);
  }

  settleUnfinished(run: CaseRun, reason: string): void {
    for (const shard of run.shards) {
      if (isSettled(shard)) continue;
      shard.state = 'unfinished';
      shard.lostReason = reason;
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

  close(): void {
    this.lease.stop();
    this.stopResults?.();
    for (const s of this.subscriptions) s.unsubscribe();
  }
}
