/** One HTTP request on a fresh connection, classified the way a load worker would count it. */
import http from 'node:http';
import { startFaultProxy, type RunningFaultProxy } from '../../agent/faultProxy/proxy.js';
import type { FaultSpec } from '../../shared/model/faults.js';

export type Outcome = 'ok' | 'reset' | 'timeout' | 'error';

export interface ProbeResult {
  outcome: Outcome;
  status?: number;
  body?: string;
}

export interface ProbeOptions {
  timeoutMs?: number;
  /** POSTs this as JSON instead of a GET. */
  json?: unknown;
}

export function probe(url: string, { timeoutMs = 5000, json }: ProbeOptions = {}): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const method = json === undefined ? 'GET' : 'POST';
    const headers = json === undefined ? {} : { 'content-type': 'application/json' };
    const req = http.request(url, { agent: false, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ outcome: 'ok', status: res.statusCode, body }));
      res.on('error', () => resolve({ outcome: 'reset' }));
    });
    req.setTimeout(timeoutMs, () =>
      req.destroy(Object.assign(new Error('timed out'), { code: 'PROBE_TIMEOUT' })),
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      const outcome =
        error.code === 'PROBE_TIMEOUT' ? 'timeout' : error.code === 'ECONNRESET' ? 'reset' : 'error';
      resolve({ outcome });
    });
    req.end(json === undefined ? undefined : JSON.stringify(json));
  });
}

/** Runs `count` probes, at most `concurrency` at a time, and returns outcomes in start order. */
export async function probeMany(
  url: string,
  count: number,
  concurrency: number,
  timeoutMs?: number,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      outcomes[index] = (await probe(url, { timeoutMs })).outcome;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return outcomes;
}

export function tally(outcomes: readonly Outcome[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { ok: 0, reset: 0, timeout: 0, error: 0 };
  for (const outcome of outcomes) counts[outcome]++;
  return counts;
}

/** Polls `condition` every few ms; fails after `timeoutMs` instead of looping forever. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs `body` with a fault proxy in front of 127.0.0.1:`upstreamPort`, closed afterwards. */
export async function withProxy<T>(
  upstreamPort: number,
  faults: FaultSpec,
  body: (proxy: RunningFaultProxy) => Promise<T>,
  seed?: number,
): Promise<T> {
  const proxy = await startFaultProxy({ upstream: { host: '127.0.0.1', port: upstreamPort }, faults, seed });
  try {
    return await body(proxy);
  } finally {
    await proxy.close();
  }
}
