/**
 * Watches the coordinator's own NATS connection. While it is cut off the roster stops judging
 * heartbeats (none can arrive), and the time spent offline is added to the case deadline: agents
 * paused through the outage and their load runs that much later.
 */
import type { NatsConnection } from '@nats-io/transport-node';

export interface OfflineListener {
  suspend(): void;
  resume(): void;
}

export class OfflineClock {
  private since?: number;
  private total = 0;

  constructor(
    nc: NatsConnection,
    private readonly listener: OfflineListener,
    private readonly log: (line: string) => void,
  ) {
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') this.down();
        else if (status.type === 'reconnect') this.up();
      }
    })().catch(() => undefined);
  }

  private down(): void {
    if (this.since !== undefined) return;
    this.since = Date.now();
    this.listener.suspend();
    this.log('lost the connection to NATS: reconnecting (agents pause their load until leases arrive again)');
  }

  private up(): void {
    if (this.since === undefined) return;
    const gap = Date.now() - this.since;
    this.total += gap;
    this.since = undefined;
    this.listener.resume();
    this.log(`reconnected to NATS after ${(gap / 1000).toFixed(1)} s`);
  }

  /** Total time offline so far, an outage in progress included. */
  offlineMs(): number {
    return this.total + (this.since !== undefined ? Date.now() - this.since : 0);
  }
}
