/**
 * memory.memory_leak_prevention: a run of identical operations (a prompt with a 4 KiB file by
 * default) with the target's memory sampled every `sampleEvery` operations through GET
 * /admin/memory?gc=1, which collects garbage on the target first. The least-squares slope of the
 * heap left after that collection, in bytes per operation, is what tells a leak of one payload per
 * operation from garbage; the RSS beside it is reported and bounds gross growth. A one-off heap
 * expansion does not make a slope; a steady leak does.
 */
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import type { TargetClient } from '../../http/client.js';
import type { Dispatcher } from 'undici';
import { intParam, pathParam } from '../../../shared/model/params.js';
import { textOfSize } from '../support/payloads.js';
import { fittedSlope } from '../support/targetMemory.js';
import { readJson } from '../support/target.js';
import { prepare, send, withClient } from '../../http/targetClient.js';

const MIN_SAMPLES = 3;

interface MemorySample {
  ops: number;
  heap: number;
  rss: number;
}

/** The target's heap after a full collection and its RSS; skips the case when it does not tell them. */
async function sampleMemory(ctx: ScenarioContext, path: string, ops: number): Promise<MemorySample> {
  const doc = await readJson(ctx, path);
  const { heapUsedAfterGc: heap, rss } = doc;
  if (typeof heap !== 'number' || typeof rss !== 'number')
    ctx.skip(
      `not applicable: GET ${path} tells no heapUsedAfterGc and rss (see target/README.md#observability)`,
    );
  return { ops, heap, rss };
}

/** Unrecorded operations at the load's concurrency, so heap sizing settles before the trend is measured. */
async function warmUp(
  ctx: ScenarioContext,
  client: TargetClient,
  request: Dispatcher.RequestOptions,
  ops: number,
): Promise<void> {
  let started = 0;
  const lane = async () => {
    while (started < ops && !ctx.stopped) {
      started += 1;
      await send(client, request).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: ctx.load.connections }, lane));
}

function gaugeTrend(ctx: ScenarioContext, samples: MemorySample[]): void {
  samples.sort((a, b) => a.ops - b.ops);
  const first = samples[0];
  const last = samples[samples.length - 1];
  ctx.gauge('heapSlopeBytesPerOp', Math.round(fittedSlope(samples.map((s) => ({ x: s.ops, y: s.heap })))));
  ctx.gauge('heapGrowthBytes', last.heap - first.heap);
  ctx.gauge('rssSlopeBytesPerOp', Math.round(fittedSlope(samples.map((s) => ({ x: s.ops, y: s.rss })))));
  ctx.gauge('rssGrowthBytes', last.rss - first.rss);
  ctx.gauge('peakRssBytes', Math.max(...samples.map((s) => s.rss)));
}

export const memoryLeakScenario: Scenario = async (ctx) => {
  const path = pathParam(ctx.params, 'path', '/process');
  const memoryPath = pathParam(ctx.params, 'memoryPath', '/admin/memory?gc=1');
  const payloadBytes = intParam(ctx.params, 'payloadBytes', 4096, { min: 0, max: 1024 * 1024 });
  const warmupOps = intParam(ctx.params, 'warmupOps', 1000, { min: 0, max: 100_000 });
  const sampleEvery = intParam(ctx.params, 'sampleEvery', 25, { min: 1, max: 100_000 });
  const samples: MemorySample[] = [await sampleMemory(ctx, memoryPath, 0)];
  await withClient(ctx, async (client) => {
    const files = payloadBytes > 0 ? [{ name: 'payload.txt', content: textOfSize(payloadBytes) }] : [];
    const request = prepare(client, { path, json: { prompt: 'Check this file for leaks.', files } });
    await warmUp(ctx, client, request, warmupOps);
    samples[0] = await sampleMemory(ctx, memoryPath, 0);
    let done = 0;
    const pending: Promise<void>[] = [];
    const takeSample = (ops: number) =>
      sampleMemory(ctx, memoryPath, ops).then(
        (s) => void samples.push(s),
        () => ctx.error('memory sample failed'),
      );
    await ctx.runLoad(async () => {
      const answer = await send(client, request);
      done += 1;
      if (done % sampleEvery === 0) pending.push(takeSample(done));
      return { status: answer.status, ok: answer.status === 200, bytes: answer.bytes };
    });
    await Promise.all(pending);
    await takeSample(done);
  });
  ctx.gauge('memorySamples', samples.length);
  if (samples.length < MIN_SAMPLES) {
    throw new Error(
      `only ${samples.length} memory sample(s); at least ${MIN_SAMPLES} are needed: raise load.requests or lower param "sampleEvery"`,
    );
  }
  gaugeTrend(ctx, samples);
};
