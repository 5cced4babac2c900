/**
 * What every request a shard sends passes on its way out: the request gate (the thermal block) and
 * the agent's identifying user-agent. The worker binds one to each scenario context; every client
 * and socket factory in this layer takes it from there, so no scenario can send around the gate.
 * A context without one is a wiring bug and fails loudly instead of sending ungated traffic.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../shared/config/paths.js';

export interface RequestGate {
  /**
   * Called immediately before a request is sent (or bytes are written to a raw socket). Returns
   * undefined when it may go now — the common case, one atomic load — or a promise that resolves
   * once it may, or rejects with RequestGateClosed when the shard must stop first (then nothing is
   * sent). `lane`: the load lane whose operation sends it, so the wait leaves that operation's
   * latency; by default the lane whose operation is starting, if any.
   */
  admit(lane?: number): Promise<void> | undefined;
}

/** The gate stayed closed until the shard had to stop: the request was never sent. */
export class RequestGateClosed extends Error {
  readonly code = 'STAMPEDE_GATE_CLOSED';

  constructor(why: string) {
    super(`request not sent: ${why}`);
    this.name = 'RequestGateClosed';
  }
}

export interface Outbound {
  gate: RequestGate;
  /** `stampede/<version> agent=<id>`, sent on every request so the target can count per agent. */
  userAgent: string;
}

const VERSION = (() => {
  const text = readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8');
  return String((JSON.parse(text) as { version?: unknown }).version ?? '0.0.0');
})();

export function userAgentOf(agentId: string): string {
  return `stampede/${VERSION} agent=${agentId}`;
}

const bound = new WeakMap<object, Outbound>();

export function bindOutbound(context: object, transport: Outbound): void {
  bound.set(context, transport);
}

export function outboundOf(context: object): Outbound {
  const transport = bound.get(context);
  if (!transport)
    throw new Error('no request gate bound to this scenario context: requests must go through the agent');
  return transport;
}
