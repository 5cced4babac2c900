/**
 * `npm run bench:soak`: a long `coordinator load` on 2 real agents (a real nats-server, nginx as
 * the target) with the RSS of the coordinator and of each agent sampled from /proc every
 * SOAK_SAMPLE_SECONDS. After the warm-up it prints each process's RSS slope in MB/min (least
 * squares over the samples), and the run's own figures against nginx's count. A steady slope
 * well above zero on a long run is a leak to chase; a short run says little. Prints; asserts nothing.
 *
 * Env: SOAK_MINUTES (30), SOAK_WARMUP_MINUTES (a fifth of the run), SOAK_SAMPLE_SECONDS (10),
 * SOAK_RATE (1000 requests/s in total), SOAK_CONNECTIONS (64).
 */
import { startNatsServer } from '../coordinator/cluster/natsServer.js';
import type { RunningProcess } from '../tests/helpers/processes.js';
import { readJsonReport } from '../tests/helpers/reports.js';
import { addAgents, sampleProc, startLoad, stopAll } from './cluster.js';
import { startNginx } from './targets.js';

function envNumber(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > max) {
    console.error(`${name} expects a number above 0 and at most ${max}, got "${raw}"`);
    process.exit(2);
  }
  return n;
}

const MINUTES = envNumber('SOAK_MINUTES', 30, 24 * 60);
const WARMUP = envNumber('SOAK_WARMUP_MINUTES', MINUTES / 5, MINUTES);
const EVERY_S = envNumber('SOAK_SAMPLE_SECONDS', 10, 600);
const RATE = envNumber('SOAK_RATE', 1000, 1_000_000);
const CONNECTIONS = envNumber('SOAK_CONNECTIONS', 64, 100_000);

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  return sxx > 0 ? sxy / sxx : 0;
}

const nats = await startNatsServer();
const nginx = await startNginx(undefined);
const agents: RunningProcess[] = [];
try {
  await addAgents(nats.url, agents, 2, 'soak');
  const before = await nginx.served();
  const { run, dir } = startLoad(nats.url, 2, [
    ...['--url', nginx.url, '--rate', String(RATE), '--connections', String(CONNECTIONS)],
    ...['--duration', `${Math.round(MINUTES * 60)}s`],
  ]);
  const watched: { name: string; pid: number; samples: { x: number; y: number }[] }[] = [
    { name: 'coordinator', pid: run.child.pid!, samples: [] },
    ...agents.map((a, i) => ({ name: `agent soak${i + 1}`, pid: a.child.pid!, samples: [] })),
  ];
  console.log(
    `soak: ${MINUTES} min at ${RATE} requests/s over 2 agents (${CONNECTIONS} connections) against ${nginx.kind}; RSS every ${EVERY_S} s, slope after ${WARMUP.toFixed(1)} min`,
  );
  console.log(`   min  ${watched.map((w) => w.name.padStart(14)).join(' ')}   (RSS MB)`);
  const t0 = Date.now();
  const sample = () => {
    const minutes = (Date.now() - t0) / 60_000;
    const row = watched.map((w) => {
      const s = sampleProc(w.pid);
      if (s) w.samples.push({ x: minutes, y: s.rssMb });
      return (s ? s.rssMb.toFixed(1) : '-').padStart(14);
    });
    console.log(`${minutes.toFixed(2).padStart(6)}  ${row.join(' ')}`);
  };
  sample();
  const timer = setInterval(sample, EVERY_S * 1000);
  const code = await run.exited;
  clearInterval(timer);
  const served = (await nginx.served()) - before;
  for (const w of watched) {
    const after = w.samples.filter((p) => p.x >= WARMUP);
    const text =
      after.length >= 3
        ? `${slope(after).toFixed(3)} MB/min over ${after.length} samples (${after[0].y.toFixed(1)} -> ${after.at(-1)!.y.toFixed(1)} MB)`
        : `too few samples after the warm-up (${after.length})`;
    console.log(`RSS slope ${w.name}: ${text}`);
  }
  if (code !== 0) console.log(`coordinator exited ${code}: ${run.output().slice(-600)}`);
  else {
    const c = readJsonReport(dir).suites[0].testCases[0];
    console.log(
      `load: ${c.metrics.requests} requests counted, nginx served ${served}; ${c.metrics.requestsPerSec} requests/s, p99 ${c.metrics.latency.p99Ms} ms; generator ${c.metrics.generatorSaturated ? `SATURATED (${c.metrics.generator?.reasons.join('; ')})` : 'kept up'}`,
    );
  }
} finally {
  await stopAll(agents);
  await nginx.stop();
  await nats.stop();
}
