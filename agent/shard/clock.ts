/**
 * Clock offset to the coordinator, measured NTP-style over request/reply: the sample with the
 * smallest round trip wins, since its midpoint is the tightest bound on when the coordinator read
 * its clock. Start instants are given on the coordinator's clock and converted with this offset,
 * so a host whose wall clock is off still starts with the others.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { PROTOCOL_VERSION, SUBJECTS, decodeClockPong, encode } from '../../shared/protocol/index.js';

export interface ClockOffset {
  /** coordinator time = local time + offsetMs */
  offsetMs: number;
  rttMs: number;
}

export async function measureClockOffset(
  nc: NatsConnection,
  runId: string,
  samples = 5,
): Promise<ClockOffset> {
  let best: ClockOffset | undefined;
  for (let i = 0; i < samples; i++) {
    const t0 = Date.now();
    const reply = await nc.request(
      SUBJECTS.clock(runId),
      encode({ kind: 'clock.ping', protocol: PROTOCOL_VERSION, t0 }),
      { timeout: 2000 },
    );
    const t1 = Date.now();
    const pong = decodeClockPong(reply.data);
    const sample = { offsetMs: pong.now - (t0 + t1) / 2, rttMs: t1 - t0 };
    if (!best || sample.rttMs < best.rttMs) best = sample;
  }
  return best!;
}
