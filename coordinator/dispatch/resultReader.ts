/**
 * Reads a run's results back from the runs stream (a result stored while this connection was
 * down is still read, and the stream is what a resume replays) through a durable consumer, which
 * the server replicates like the stream. Not an ordered consumer: that is a one-replica
 * ephemeral, and when the node holding it dies while the client reconnects to another, nats.js
 * 3.x keeps asking the dead consumer for its info and never recreates it, so no further result is
 * read (the 3-node failover test failed so, once in eight runs here and once in CI). A durable consumer has a leader
 * again after an election. Each message is acknowledged once handled; one delivered again (its
 * ack lost in a failover) is known by its stream sequence and handled once.
 */
import { nanos } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { STREAMS, SUBJECTS } from '../../shared/protocol/index.js';

export interface ResultReaderDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  runId: string;
  generation: number;
  /** Read results stored after this stream sequence only (a resume has read the earlier ones). */
  afterSeq?: number;
  log: (line: string) => void;
}

/** A coordinator killed without cleaning up leaves its consumer behind; the server removes it then. */
const ABANDONED_AFTER_MS = 3600_000;
const REDELIVER_AFTER_MS = 5000;

/** Starts reading; the returned function stops and removes the consumer. */
export async function readResults(
  deps: ResultReaderDeps,
  onResult: (subject: string, data: Uint8Array) => void,
): Promise<() => Promise<void>> {
  const { js, jsm, runId, generation, afterSeq } = deps;
  const name = `results-${runId}-g${generation}`;
  await jsm.consumers.add(STREAMS.runs, {
    durable_name: name,
    filter_subject: SUBJECTS.resultsOf(runId),
    ack_policy: AckPolicy.Explicit,
    ...(afterSeq !== undefined
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 }
      : { deliver_policy: DeliverPolicy.All }),
    inactive_threshold: nanos(ABANDONED_AFTER_MS),
    // Handling is synchronous: an unacknowledged message was lost on the way, deliver it again soon.
    ack_wait: nanos(REDELIVER_AFTER_MS),
  });
  const messages = await (await js.consumers.get(STREAMS.runs, name)).consume({ expires: 2000 });
  const handled = new Set<number>();
  const done = (async () => {
    for await (const m of messages) {
      if (!handled.has(m.seq)) onResult(m.subject, m.data);
      handled.add(m.seq);
      m.ack();
    }
  })().catch((e) => deps.log(`result reader ended: ${(e as Error).message}`));
  return async () => {
    await messages.close();
    await done;
    await jsm.consumers.delete(STREAMS.runs, name).catch(() => undefined);
  };
}
