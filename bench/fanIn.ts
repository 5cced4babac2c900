/**
 * `npm run bench:fanin`: how a real coordinator copes with the fan-in of 8 agents x 4 threads.
 * A nats-server, 32 light stand-ins (bench/fanInStandIns.ts, in a child process) speaking the real
 * protocol, and this process running a real coordinator `load` session over them for
 * FANIN_MINUTES (default 10). Prints the coordinator's event-loop lag (monitorEventLoopDelay:
 * p50/p99/max), its RSS over time (is it flat?), and the report's total against what the
 * stand-ins' results said. Asserts nothing.
 * Env: FANIN_MINUTES (10), FANIN_CONNECTIONS (8), FANIN_SLOTS (4), FANIN_OPS_PER_SECOND (50).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startNatsServer } from '../coordinator/cluster/natsServer.js';
import { executeRun } from '../coordinator/run/executeRun.js';
import { loadConfig } from '../shared/config/config.js';
import { ADHOC_LOAD_CASE } from '../shared/model/catalogue.js';

const MINUTES = Number(process.env.FANIN_MINUTES ?? 10);
const CONNECTIONS = Number(process.env.FANIN_CONNECTIONS ?? 8);
const SLOTS = Number(process.env.FANIN_SLOTS ?? 4);
const OPS_PER_SECOND = Number(process.env.FANIN_OPS_PER_SECOND ?? 50);
const STAND_INS = CONNECTIONS * SLOTS;
const RSS_EVERY_MS = 10_000;
/** monitorEventLoopDelay records the whole interval between its ticks; lag is what exceeds the tick. */
const LAG_TICK_MS = 10;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const mb = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);
const lagMs = (ns: number) => Math.max(0, ns / 1e6 - LAG_TICK_MS).toFixed(2);

/** Starts the stand-ins and resolves once they all announced; `total()` after SIGTERM. */
async function startStandIns(natsUrl: string) {
  const child = spawn(
    process.execPath,
    [
      path.join(HERE, 'fanInStandIns.js'),
      natsUrl,
      String(CONNECTIONS),
      String(SLOTS),
      String(OPS_PER_SECOND),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const line = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      lines.on('line', (l) => {
        const m = pattern.exec(l);
        if (m) resolve(m);
      });
      child.once('exit', (code) => reject(new Error(`stand-ins exited (${code})`)));
    });
  await line(/standins ready (\d+)/);
  return {
    async total(): Promise<number> {
      const done = line(/standins total (\d+)/);
      child.kill('SIGTERM');
      return Number((await done)[1]);
    },
  };
}

const nats = await startNatsServer();
const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'stampede-fanin-'));
try {
  const standIns = await startStandIns(nats.url);
  const lag = monitorEventLoopDelay({ resolution: LAG_TICK_MS });
  const rss: number[] = [process.memoryUsage().rss];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss), RSS_EVERY_MS);
  lag.enable();
  const startedAt = Date.now();
  process.stderr.write(`fan-in: ${STAND_INS} stand-ins, ${OPS_PER_SECOND} ops/s each, ${MINUTES} min\n`);
  const outcome = await executeRun({
    mode: 'load',
    suites: [ADHOC_LOAD_CASE.suite],
    skippedSuites: [],
    cases: [
      {
        definition: ADHOC_LOAD_CASE,
        settings: {
          load: { connections: STAND_INS, requests: 0, durationMs: MINUTES * 60_000, rate: 0 },
          params: { method: 'GET', path: '/' },
          thresholds: [],
          timeoutMs: MINUTES * 60_000 + 60_000,
        },
      },
    ],
    requireThermal: false,
    natsUrl: nats.url,
    tls: {},
    agents: STAND_INS,
    config: loadConfig([]),
    target: 'http://127.0.0.1:9',
    reportsDir,
    log: (l) => process.stderr.write(`${l}\n`),
    interrupted: new Promise(() => undefined),
  });
  lag.disable();
  clearInterval(sampler);
  rss.push(process.memoryUsage().rss);
  const reported = await standIns.total();
  const c = outcome.report.suites[0].testCases[0];
  const third = Math.max(1, Math.floor(rss.length / 3));
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  process.stdout.write(
    [
      `fan-in bench: ${STAND_INS} stand-ins (${CONNECTIONS} connections x ${SLOTS}) for ${((Date.now() - startedAt) / 60_000).toFixed(1)} min`,
      `coordinator event-loop lag ms (beyond the ${LAG_TICK_MS} ms tick): p50 ${lagMs(lag.percentile(50))}  p99 ${lagMs(lag.percentile(99))}  max ${lagMs(lag.max)}`,
      `RSS MB every ${RSS_EVERY_MS / 1000} s: ${rss.map(mb).join(' ')}`,
      `RSS MB first third avg ${mb(avg(rss.slice(0, third)))}, last third avg ${mb(avg(rss.slice(-third)))}`,
      `totals: report ${c.metrics.requests}, stand-ins' results ${reported}: ${c.metrics.requests === reported ? 'exact' : 'MISMATCH'}`,
      `shards done ${c.shards.filter((s) => s.state === 'done').length}/${c.shards.length}; rejected ${outcome.report.bus.rejectedMessages}, duplicates ${outcome.report.bus.duplicateResults}, stale ${outcome.report.bus.staleResults}`,
      '',
    ].join('\n'),
  );
} finally {
  await nats.stop();
  rmSync(reportsDir, { recursive: true, force: true });
}
process.exit(0);
