/**
 * Reference services with deliberate faults switched on, started the way the embedded default
 * starts its own (coordinator/cluster/referenceStack.ts): stand-in providers behind the upstream
 * fault proxy, and the target under its own supervisor, restarted whenever it exits, with the
 * defect switches given. How often it crashed is read from the target's own account of its
 * process (GET /admin/stats).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startReferenceStack } from '../../coordinator/cluster/referenceStack.js';

export interface TargetStack {
  url: string;
  /** The upstream fault proxy's control URL (`run --upstream`). */
  upstream: string;
  /** Exits of the target's process so far, from its supervisor's start count. */
  crashes(): Promise<number>;
}

async function processStarts(url: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    try {
      const stats = (await (await fetch(`${url}/admin/stats`)).json()) as {
        process: { processStarts: number };
      };
      return stats.process.processStarts;
    } catch {
      // Restarting: the port refuses connections for a moment.
      await sleep(100);
    }
  }
  throw new Error(`${url} did not answer GET /admin/stats within 10 s`);
}

/** Runs `body` against a supervised reference target started with `switches`, stopped afterwards. */
export async function withTargetStack<T>(
  switches: readonly string[],
  body: (target: TargetStack) => Promise<T>,
): Promise<T> {
  const stack = await startReferenceStack({ targetArgs: switches });
  try {
    return await body({
      url: stack.targetUrl,
      upstream: stack.upstreamControl,
      crashes: async () => (await processStarts(stack.targetUrl)) - 1,
    });
  } finally {
    await stack.stop();
  }
}
