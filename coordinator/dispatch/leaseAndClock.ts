/**
 * The coordinator's heartbeat toward agents: a lease published every `leasePeriodMs`, naming the
 * coordinator's generation and every attempt granted to run (agents pause load on their own clock
 * when it lapses, and stop an attempt it no longer grants), and the clock-ping replies agents use
 * to measure their offset.
 */
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import {
  MAX_GRANTS,
  PROTOCOL_VERSION,
  SUBJECTS,
  decodeClockPing,
  encode,
  type RejectedMessages,
} from '../../shared/protocol/index.js';
import type { RunBook } from './runBook.js';

export class LeaseAndClock {
  private timer?: NodeJS.Timeout;
  private seq = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly book: RunBook,
    private readonly rejected: RejectedMessages,
    private readonly periodMs: number,
  ) {}

  start(): void {
    this.publish();
    this.timer = setInterval(() => this.publish(), this.periodMs);
  }

  private publish(): void {
    const { nc, book } = this;
    const { runId, generation } = book;
    // While disconnected, nats.js buffers these and sends them on reconnect: still a sign of life.
    // Only a closed connection throws; the run's clean-up is under way then.
    if (nc.isClosed()) return;
    nc.publish(
      SUBJECTS.lease(runId),
      encode({
        kind: 'run.lease',
        protocol: PROTOCOL_VERSION,
        runId,
        seq: ++this.seq,
        at: Date.now(),
        generation,
        grants: book.grants().slice(0, MAX_GRANTS),
      }),
    );
  }

  onClock(msg: Msg): void {
    try {
      const ping = decodeClockPing(msg.data);
      msg.respond(encode({ kind: 'clock.pong', protocol: PROTOCOL_VERSION, t0: ping.t0, now: Date.now() }));
    } catch (error) {
      this.rejected.record(msg.subject, error);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
