/**
 * `npm run bench:scale`: how the cluster holds up as agents are added. A real nats-server, N
 * agents of one thread each (started with the agent CLI, added between rounds so that exactly N
 * are live), and `coordinator load` on an open model at one fixed total rate against nginx, whose
 * stub_status gives its own count. Per N it prints: requests planned against those the report
 * counts and nginx served, the largest start skew across shards, the coordinator's CPU time and
 * peak RSS, and how long merging the N stored shard results takes. Prints; asserts nothing.
 *
 * Env: SCALE_AGENTS (1,2,4,8,16,32), SCALE_RATE (2000 requests/s in total), SCALE_SECONDS (8),
 * SCALE_CONNECTIONS_PER_AGENT (32). The default run takes about 3-4 minutes.
 */
import { performance } from 'node:perf_hooks';
import { decodeResultHistograms, mergeResults } from '../coordinator/results/merge.js';
import { startNatsServer } from '../coordinator/cluster/natsServer.js';
import type { RunReport } from '../coordinator/report/types.js';
import type { RunningProcess } from '../tests/helpers/processes.js';
import { readJsonReport } from '../tests/helpers/reports.js';
import { addAgents, startLoad, stopAll, storedResults, watchProc } from './cluster.js';
import { startNginx } from './targets.js';

function envList(name: string, fallback: string): number[] {
  const raw = process.env[name] ?? fallback;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (
    list.some((n) => !Number.isInteger(n) || n < 1 || n > 256) ||
    list.some((n, i) => i > 0 && n <= list[i - 1])
  ) {
    console.error(`${name} expects increasing whole numbers from 1 to 256, e.g. 1,2,4,8; got "${raw}"`);
    process.exit(2);
  }
  return list;
}

function envNumber(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > max) {
    console.error(`${name} expects a number above 0 and at most ${max}, got "${raw}"`);
    process.exit(2);
  }
  return n;
}

const COUNTS = envList('SCALE_AGENTS', '1,2,4,8,16,32');
const RATE = envNumber('SCALE_RATE', 2000, 1_000_000);
const SECONDS = envNumber('SCALE_SECONDS', 8, 3600);
const PER_AGENT = envNumber('SCALE_CONNECTIONS_PER_AGENT', 32, 10_000);

const nats = await startNatsServer();
const nginx = await startNginx(undefined);
const agents: RunningProcess[] = [];
const pad = (v: unknown, n: number) => String(v).padStart(n);

async function round(n: number): Promise<string> {
  await addAgents(nats.url, agents, n);
  const before = await nginx.served();
  const { run, dir } = startLoad(nats.url, n, [
    ...['--url', nginx.url, '--rate', String(RATE), '--connections', String(n * PER_AGENT)],
    ...['--duration', `${SECONDS}s`],
  ]);
  const started = performance.now();
  const watched = await watchProc(run.child.pid!, run.exited);
  const wallSeconds = (performance.now() - started) / 1000;
  const code = await run.exited;
  const served = (await nginx.served()) - before;
  if (code !== 0) return `${pad(n, 3)}  coordinator exited ${code}: ${run.output().slice(-600)}`;
  const report: RunReport = readJsonReport(dir);
  const c = report.suites[0].testCases[0];
  const results = await storedResults(nats.url, report.runId, c.shards.length);
  const t0 = performance.now();
  mergeResults(results, decodeResultHistograms(results));
  const mergeMs = performance.now() - t0;
  const planned = Math.round(RATE * SECONDS);
  return [
    pad(n, 3),
    pad(planned, 8),
    pad(c.metrics.requests, 8),
    pad(`${((c.metrics.requests / planned) * 100).toFixed(1)}%`, 7),
    pad(served, 8),
    pad(c.metrics.requests === served ? 'equal' : `off ${served - c.metrics.requests}`, 9),
    pad(c.maxStartSkewMs ?? 'n/a', 7),
    pad(watched.last?.cpuSeconds.toFixed(2) ?? 'n/a', 7),
    pad(wallSeconds.toFixed(1), 6),
    pad(watched.peakRssMb.toFixed(0), 6),
    pad(`${mergeMs.toFixed(1)} (${results.length})`, 11),
    c.metrics.generatorSaturated ? ` SATURATED: ${c.metrics.generator?.reasons.join('; ')}` : ' ok',
  ].join(' ');
}

try {
  console.log(
    `scale: open model at ${RATE} requests/s in total for ${SECONDS} s, ${PER_AGENT} connections per agent, against ${nginx.kind} at ${nginx.url}; nats-server ${nats.url}`,
  );
  const header = [
    'N',
    'planned',
    'report',
    'report%',
    'nginx',
    'vs nginx',
    'skew ms',
    'cpu s',
    'wall s',
    'RSS MB',
  ];
  const widths = [3, 8, 8, 7, 8, 9, 7, 7, 6, 6];
  console.log(
    `${header.map((h, i) => pad(h, widths[i])).join(' ')} ${pad('merge ms (shards)', 11)} generator`,
  );
  for (const n of COUNTS) console.log(await round(n));
} finally {
  await stopAll(agents);
  await nginx.stop();
  await nats.stop();
}
