/**
 * memory.memory_leak_prevention: a run of identical operations with the target's RSS sampled every
 * `sampleEvery` operations. The least-squares slope of RSS over operations (bytes per operation)
 * and the growth from first to last sample are the gauges the thresholds bound: a leak shows as a
 * steady slope, while a one-off heap expansion does not.
 */
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import type { TargetClient } from '../../http/client.js';
import type { Dispatcher } from 'undici';
import { intParam, pathParam } from '../../../shared/model/params.js';
import { textOfSize } from '../support/payloads.js';
import { fittedSlope, TargetMemory } from '../support/targetMemory.js';
import { prepare, send, withClient } from '../../http/targetClient.js';

const MIN_SAMPLES = 3;

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

export const memoryLeakScenario: Scenario = async (ctx) => {
  const path = pathParam(ctx.params, 'path', '/process');
  const payloadBytes = intParam(ctx.params, 'payloadBytes', 4096, { min: 0, max: 1024 * 1024 });
  const warmupOps = intParam(ctx.params, 'warmupOps', 1000, { min: 0, max: 100_000 });
  const sampleEvery = intParam(ctx.params, 'sampleEvery', 25, { min: 1, max: 100_000 });
  const memory = await TargetMemory.open(ctx, true);
  const samples: { x: number; y: number }[] = [];
  await withClient(ctx, async (client) => {
    const files = payloadBytes > 0 ? [{ name: 'payload.txt', content: textOfSize(payloadBytes) }] : [];
    const request = prepare(client, { path, json: { prompt: 'Check this file for leaks.', files } });
    await warmUp(ctx, client, request, warmupOps);
    const takeSample = async (ops: number) => {
      const rss = await memory.sample();
      if (rss !== undefined) samples.push({ x: ops, y: rss });
    };
    await takeSample(0);
    let done = 0;
    const pending: Promise<void>[] = [];
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
  samples.sort((a, b) => a.x - b.x);
  ctx.gauge('rssSlopeBytesPerOp', Math.round(fittedSlope(samples)));
  ctx.gauge('rssGrowthBytes', samples[samples.length - 1].y - samples[0].y);
};
