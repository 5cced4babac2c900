/**
 * `npm run bench`: one agent worker thread against autocannon (and wrk when installed), same
 * target, same connection count, every generator pinned to core 0 and the target to core 1; plus
 * the cost of merging 1,000 shard histograms. Prints figures and ratios; asserts nothing.
 *
 * The VM's speed drifts from second to second, so the tools run in short interleaved pairs (the
 * order alternating), each warmed up first, and a ratio is taken within each pair, where both
 * sides saw the same spell; the summary is the median ratio with its min and max.
 *
 * Env: BENCH_PAIRS (7), BENCH_SECONDS (3), BENCH_WARMUP_SECONDS (1), BENCH_CONNECTIONS (50).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRecordingHistogram, encodeHistogram, mergeEncoded, summarize } from '../shared/histogram.js';
import { hasTaskset, pinned, startBenchTarget } from './targets.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 7);
const WRK = ['/usr/bin/wrk', 'wrk'].find((bin) => spawnSync(bin, ['-v']).error === undefined);

type Tool = 'stampede' | 'autocannon' | 'wrk';

function run(cmd: string, args: string[]): string {
  const [c, a] = pinned(0, cmd, args);
  return execFileSync(c, a, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}
const lastLineJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!);

/** Requests per second one tool achieved in one measured round (its warm-up excluded). */
function measure(tool: Tool, url: string): number {
  if (tool === 'stampede') {
    const r = lastLineJson(
      run(process.execPath, [
        path.join(ROOT, 'dist', 'bench', 'workerLoad.js'),
        url,
        String(CONNECTIONS),
        String(SECONDS * 1000),
        '0',
        String(WARMUP * 1000),
      ]),
    ) as { requests: number; durationMs: number };
    return r.requests / (r.durationMs / 1000);
  }
  if (tool === 'autocannon') {
    const r = lastLineJson(
      run(process.execPath, [
        path.join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'),
        ...['-c', String(CONNECTIONS), '-d', String(SECONDS), '--json'],
        ...['-W', '[', '-c', String(CONNECTIONS), '-d', String(WARMUP), ']'],
        url,
      ]),
    ) as { requests: { total: number }; duration: number };
    return r.requests.total / r.duration;
  }
  // wrk is C: nothing to warm up but the connections, which it opens before it counts.
  const out = run(WRK!, ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, url]);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`unexpected wrk output:\n${out}`);
  return Number(m[1]);
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
const target = await startBenchTarget(1);
const rates: Record<Tool, number[]> = { stampede: [], autocannon: [], wrk: [] };
const ratios: Record<'autocannon' | 'wrk', number[]> = { autocannon: [], wrk: [] };
const k = (n: number) => `${Math.round(n)}`;
try {
  console.log(
    `target: ${target.kind} at ${target.url}; generators pinned to core 0${hasTaskset ? '' : ' (taskset missing: not pinned)'}; ${CONNECTIONS} connections, ${SECONDS} s per round after ${WARMUP} s warm-up, ${PAIRS} pairs${WRK ? '' : ' (wrk not installed)'}`,
  );
  for (let pair = 1; pair <= PAIRS; pair++) {
    const order = pair % 2 ? tools : [...tools].reverse();
    const got: Partial<Record<Tool, number>> = {};
    for (const tool of order) got[tool] = measure(tool, target.url);
    for (const tool of tools) rates[tool].push(got[tool]!);
    const line = tools.map((t) => `${t} ${k(got[t]!)}`).join(', ');
    ratios.autocannon.push(got.stampede! / got.autocannon!);
    if (WRK) ratios.wrk.push(got.stampede! / got.wrk!);
    const r = `stampede/autocannon ${ratios.autocannon.at(-1)!.toFixed(2)}x${WRK ? `, stampede/wrk ${ratios.wrk.at(-1)!.toFixed(2)}x` : ''}`;
    console.log(`pair ${pair}: ${line} req/s; ${r}`);
  }
  for (const tool of tools) {
    const s = stats(rates[tool]);
    console.log(`${tool.padEnd(10)} req/s median ${k(s.median)} (min ${k(s.min)}, max ${k(s.max)})`);
  }
  for (const other of WRK ? (['autocannon', 'wrk'] as const) : (['autocannon'] as const)) {
    const s = stats(ratios[other]);
    console.log(
      `ratio stampede/${other}: median ${s.median.toFixed(2)}x (min ${s.min.toFixed(2)}x, max ${s.max.toFixed(2)}x) over ${PAIRS} pairs`,
    );
  }
} finally {
  await target.stop();
}
const merge = mergeCost();
console.log(
  `merging 1,000 shard histograms (decode + add + percentiles): ${merge.totalMs.toFixed(1)} ms total, ${merge.perHistogramMs.toFixed(3)} ms each (${merge.count} samples)`,
);
