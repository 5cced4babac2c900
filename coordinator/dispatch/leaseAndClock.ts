/**
 * The coordinator's heartbeat toward agents: a lease published every second (agents stop load
 * on their own clock when it lapses) and the clock-ping replies agents use to measure their offset.
 */
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import {
  PROTOCOL_VERSION,
  SUBJECTS,
  decodeClockPing,
  encode,
  type RejectedMessages,
} from '../../shared/protocol/index.js';

const LEASE_EVERY_MS = 1000;

export class LeaseAndClock {
  private timer?: NodeJS.Timeout;
  private seq = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly runId: string,
    private readonly rejected: RejectedMessages,
  ) {}

  start(): void {
    this.publish();
    this.timer = setInterval(() => this.publish(), LEASE_EVERY_MS);
  }

  private publish(): void {
    const { nc, runId } = this;
    nc.publish(
      SUBJECTS.lease(runId),
      encode({ kind: 'run.lease', protocol: PROTOCOL_VERSION, runId, seq: ++this.seq, at: Date.now() }),
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
