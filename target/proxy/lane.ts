/**
 * One proxied provider: a listening port in front of one upstream, with its own faults and counts
 * of what the faults did, so a case can check that its faults really happened.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { abortScope, lifetimeController } from '../abortScope.js';
import { listen, send, stopServer, urlOf } from '../jsonHttp.js';
import { drawFate, type ProxyFaults } from './faults.js';
import { relay } from './relay.js';

export interface LaneCounts {
  requests: number;
  forwarded: number;
  /** Forwarded, but the upstream could not be reached or broke off. */
  upstreamErrors: number;
  failed: number;
  reset: number;
  blackholed: number;
  /** Requests that met the down phase of an oscillation (also counted under their mode). */
  oscillationDown: number;
}

export interface LaneInfo {
  name: string;
  url: string;
  upstream: string;
  faults: ProxyFaults;
  /** When the faults were last set (ms since epoch): oscillation periods count from here. */
  faultsSince: number;
  counts: LaneCounts;
}

const NO_COUNTS: LaneCounts = {
  requests: 0,
  forwarded: 0,
  upstreamErrors: 0,
  failed: 0,
  reset: 0,
  blackholed: 0,
  oscillationDown: 0,
};

export class ProxyLane {
  private faults: ProxyFaults = {};
  private faultsSince = Date.now();
  private readonly counts: LaneCounts = { ...NO_COUNTS };
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly lifetime = lifetimeController();
  private address = '';

  constructor(
    readonly name: string,
    private readonly upstream: URL,
  ) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  async start(host: string, port: number): Promise<void> {
    this.address = urlOf(host, await listen(this.server, port, host));
  }

  get url(): string {
    return this.address;
  }

  setFaults(faults: ProxyFaults): void {
    this.faults = faults;
    this.faultsSince = Date.now();
  }

  info(): LaneInfo {
    return {
      name: this.name,
      url: this.address,
      upstream: this.upstream.href.replace(/\/$/, ''),
      faults: this.faults,
      faultsSince: this.faultsSince,
      counts: { ...this.counts },
    };
  }

  async close(): Promise<void> {
    this.lifetime.abort();
    await stopServer(this.server);
    this.agent.destroy();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counts.requests++;
    const fate = drawFate(this.faults, this.faultsSince, Date.now());
    if (fate.delayMs > 0) {
      const scope = abortScope(this.lifetime.signal);
      res.once('close', scope.abort);
      try {
        await sleep(fate.delayMs, undefined, { signal: scope.signal });
      } catch {
        return;
      } finally {
        res.off('close', scope.abort);
        scope.dispose();
      }
    }
    if (fate.kind !== 'forward' && fate.oscillationDown) this.counts.oscillationDown++;
    switch (fate.kind) {
      case 'forward':
        this.counts.forwarded++;
        if (!(await relay(req, res, this.upstream, this.agent))) this.counts.upstreamErrors++;
        return;
      case 'fail':
        this.counts.failed++;
        req.resume();
        send(res, {
          status: 503,
          json: { error: 'upstream_fault', message: 'failed by the upstream proxy' },
        });
        return;
      case 'reset':
        this.counts.reset++;
        req.socket.resetAndDestroy();
        return;
      case 'blackhole':
        this.counts.blackholed++;
        req.resume();
        this.holdOpen(req);
    }
  }

  /** Never answers; closes the connection after timeoutMs when set, else leaves it to the caller. */
  private holdOpen(req: IncomingMessage): void {
    const { timeoutMs } = this.faults;
    if (timeoutMs === undefined) return;
    const timer = setTimeout(() => req.socket.destroy(), timeoutMs);
    req.socket.once('close', () => clearTimeout(timer));
  }
}
