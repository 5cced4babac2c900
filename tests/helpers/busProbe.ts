/**
 * A test's own view of the bus: the permission refusals the server sends a connection, the id of
 * the run under way (from its lease), and bounded waits for either.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errors, type NatsConnection } from '@nats-io/transport-node';
import { SUBJECTS } from '../../shared/protocol/index.js';

export interface Refusal {
  operation: 'publish' | 'subscription';
  subject: string;
}

/** Waits until `condition()` holds, up to `timeoutMs`, then fails naming `what`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Collects every permissions violation the server reports on `nc`. */
export function watchRefusals(nc: NatsConnection): Refusal[] {
  const seen: Refusal[] = [];
  void (async () => {
    for await (const status of nc.status()) {
      const error = (status as { error?: unknown }).error;
      if (status.type === 'error' && error instanceof errors.PermissionViolationError)
        seen.push({ operation: error.operation, subject: error.subject });
    }
  })().catch(() => undefined);
  return seen;
}

/** The id of the first run whose lease `nc` hears. */
export async function runIdFromLease(nc: NatsConnection, timeoutMs = 30_000): Promise<string> {
  const sub = nc.subscribe(SUBJECTS.lease('*'), { max: 1, timeout: timeoutMs });
  for await (const msg of sub) return msg.subject.split('.')[2];
  throw new Error(`no run lease heard within ${timeoutMs} ms`);
}
