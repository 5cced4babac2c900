/**
 * `npm run bench`: one agent worker thread against autocannon (and wrk when installed), same
 * target, same connection count, every generator pinned to core 0 and the target to core 1; plus
 * the cost of merging 1,000 shard histograms. Prints figures and ratios; asserts nothing.
 *
 * The VM's speed drifts from second to second, so the tools run in short interleaved pairs (the
 * order alternating), each warmed up first, and a ratio is taken within each pair, where both
 * sides saw the same spell; the summary is the median ratio with its min and max. CPU time per
 * request (from bash's `times` around each pinned process) is printed too: on a machine shared
 * with other work it moves far less than requests per second do.
 *
 * Env: BENCH_PAIRS (7), BENCH_SECONDS (3), BENCH_WARMUP_SECONDS (1), BENCH_CONNECTIONS (50).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  createRecordingHistogram,
  encodeHistogram,
  mergeEncoded,
  summarize,
} from '../shared/metrics/histogram.js';
import { hasTaskset, pinned, startBenchTarget } from './targets.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 7);
const WRK = ['/usr/bin/wrk', 'wrk'].find((bin) => spawnSync(bin, ['-v']).error === undefined);

type Tool = 'stampede' | 'autocannon' | 'wrk';
interface Round {
  rps: number;
  /** CPU time of the whole generator process (start-up and warm-up included) per request it sent. */
  cpuUsPerRequest: number;
}

/** Runs a pinned command; returns its stdout and the CPU seconds it and its children used. */
function run(cmd: string, args: string[]): { out: string; cpuSeconds: number } {
  const [c, a] = pinned(0, cmd, args);
  // bash's `times` prints the user and system time of the shell's children on its second line.
  const r = spawnSync('bash', ['-c', '"$@"; status=$?; times >&2; exit $status', 'bench', c, ...a], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const times =
    r.stderr
      .trim()
      .split('\n')
      .at(-1)!
      .match(/(\d+)m([\d.]+)s/g) ?? [];
  const cpuSeconds = times
    .map((t) => /(\d+)m([\d.]+)s/.exec(t)!)
    .reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
  return { out: r.stdout, cpuSeconds };
}
const lastLineJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!);

/** One measured round of one tool (its warm-up excluded from the rate, not from the CPU). */
function measure(tool: Tool, url: string): Round {
  if (tool === 'stampede') {
    const { out, cpuSeconds } = run(process.execPath, [
      path.join(ROOT, 'dist', 'bench', 'workerLoad.js'),
      url,
      String(CONNECTIONS),
      String(SECONDS * 1000),
      '0',
      String(WARMUP * 1000),
    ]);
    const r = lastLineJson(out) as { requests: number; warmupRequests: number; durationMs: number };
    return {
      rps: r.requests / (r.durationMs / 1000),
      cpuUsPerRequest: (cpuSeconds * 1e6) / (r.requests + r.warmupRequests),
    };
  }
  if (tool === 'autocannon') {
    const { out, cpuSeconds } = run(process.execPath, [
      path.join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'),
      ...['-c', String(CONNECTIONS), '-d', String(SECONDS), '--json'],
      ...['-W', '[', '-c', String(CONNECTIONS), '-d', String(WARMUP), ']'],
      url,
    ]);
    const r = lastLineJson(out) as {
      requests: { total: number };
      duration: number;
      warmup?: { requests: { total: number } };
    };
    return {
      rps: r.requests.total / r.duration,
      cpuUsPerRequest: (cpuSeconds * 1e6) / (r.requests.total + (r.warmup?.requests.total ?? 0)),
    };
  }
  // wrk is C: nothing to warm up but the connections, which it opens before it counts.
  const { out, cpuSeconds } = run(WRK!, ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, url]);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (!rate || !total) throw new Error(`unexpected wrk output:\n${out}`);
  return { rps: Number(rate[1]), cpuUsPerRequest: (cpuSeconds * 1e6) / Number(total[1]) };
}

function stats(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1)! };
}

function mergeCost(): { perHistogramMs: number; totalMs: number; count: number } {
  const encoded: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const h = createRecordingHistogram();
    for (let j = 0; j < 2000; j++) h.recordValue(50 + ((i * 7919 + j * 104729) % 50_000));
    encoded.push(encodeHistogram(h));
    h.destroy();
  }
  const t0 = performance.now();
  const merged = mergeEncoded(encoded);
  summarize(merged);
  const totalMs = performance.now() - t0;
  return { perHistogramMs: totalMs / 1000, totalMs, count: merged.totalCount };
}

const tools: Tool[] = WRK ? ['stampede', 'autocannon', 'wrk'] : ['stampede', 'autocannon'];
const others = tools.filter((t): t is 'autocannon' | 'wrk' => t !== 'stampede');
const target = await startBenchTarget(1);
const rounds: Record<Tool, Round[]> = { stampede: [], autocannon: [], wrk: [] };
const k = (n: number) => `${Math.round(n)}`;
const x = (n: number) => `${n.toFixed(2)}x`;
/** Per pair: stampede's rate over the other's, and the other's CPU per request over stampede's. */
const ratios = (other: 'autocannon' | 'wrk', pick: (r: Round) => number, inverse = false) =>
  rounds.stampede.map((r, i) =>
    inverse ? pick(rounds[other][i]) / pick(r) : pick(r) / pick(rounds[other][i]),
  );
try {
  console.log(
    `target: ${target.kind} at ${target.url}; generators pinned to core 0${hasTaskset ? '' : ' (taskset missing: not pinned)'}; ${CONNECTIONS} connections, ${SECONDS} s per round after ${WARMUP} s warm-up, ${PAIRS} pairs${WRK ? '' : ' (wrk not installed)'}`,
  );
  for (let pair = 1; pair <= PAIRS; pair++) {
    const order = pair % 2 ? tools : [...tools].reverse();
    const got: Partial<Record<Tool, Round>> = {};
    for (const tool of order) got[tool] = measure(tool, target.url);
    for (const tool of tools) rounds[tool].push(got[tool]!);
    const line = tools.map(
      (t) => `${t} ${k(got[t]!.rps)} req/s ${got[t]!.cpuUsPerRequest.toFixed(1)} µs CPU/req`,
    );
    const r = others.map((o) => `stampede/${o} ${x(got.stampede!.rps / got[o]!.rps)}`).join(', ');
    console.log(`pair ${pair}: ${line.join('; ')}; ${r}`);
  }
  for (const tool of tools) {
    const s = stats(rounds[tool].map((r) => r.rps));
    const c = stats(rounds[tool].map((r) => r.cpuUsPerRequest));
    console.log(
      `${tool.padEnd(10)} req/s median ${k(s.median)} (min ${k(s.min)}, max ${k(s.max)}); CPU per request median ${c.median.toFixed(1)} µs`,
    );
  }
  for (const other of others) {
    const s = stats(ratios(other, (r) => r.rps));
    const c = stats(ratios(other, (r) => r.cpuUsPerRequest, true));
    console.log(
      `ratio stampede/${other}: req/s median ${x(s.median)} (min ${x(s.min)}, max ${x(s.max)}); CPU efficiency (${other} CPU/req over stampede's) median ${x(c.median)} (min ${x(c.min)}, max ${x(c.max)}) over ${PAIRS} pairs`,
    );
  }
} finally {
  await target.stop();
}
const merge = mergeCost();
console.log(
  `merging 1,000 shard histograms (decode + add + percentiles): ${merge.totalMs.toFixed(1)} ms total, ${merge.perHistogramMs.toFixed(3)} ms each (${merge.count} samples)`,
);
