/**
 * concurrency.session_overflow: many concurrent prompts, each opening a new session, while the
 * target's own count of live sessions is sampled during the load (a cap enforced only now and then
 * shows between its sweeps, not after them). Judged: the highest live count sampled, the target's
 * own high-water mark (`peak`, or the highest sample when it keeps none) and the count afterwards,
 * each against the cap.
 */
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import { intParam, pathParam } from '../../../shared/model/params.js';
import { readJson, requireRoute } from '../support/target.js';
import { repeatWhile, settleBoth } from '../support/schedule.js';
import { prepare, send, withClient } from '../../http/targetClient.js';
import { isRecord, jsonOf } from '../support/json.js';

interface SessionCounts {
  live: number;
  peak?: number;
  max?: number;
}

async function sessionCounts(ctx: ScenarioContext, path: string): Promise<SessionCounts> {
  const doc = await readJson(ctx, path);
  if (typeof doc.live !== 'number')
    throw new Error(`GET ${path}: expected a number in "live", got ${JSON.stringify(doc.live)}`);
  const number = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return { live: doc.live, peak: number(doc.peak), max: number(doc.max) };
}

export const sessionOverflowScenario: Scenario = async (ctx) => {
  const sessionsPath = pathParam(ctx.params, 'sessionsPath', '/sessions');
  const path = pathParam(ctx.params, 'path', '/process');
  const pollMs = intParam(ctx.params, 'sessionPollMs', 50, { min: 5, max: 60_000 });
  await requireRoute(ctx, 'GET', sessionsPath);
  ctx.count('sessionsCreated', 0);
  let highest = 0;
  const sample = async () => {
    const { live } = await sessionCounts(ctx, sessionsPath);
    if (live > highest) ctx.gauge('liveSessionsMax', (highest = live));
    ctx.count('sessionSamples');
  };
  await withClient(ctx, async (client) => {
    // No session id: the target opens a new session for every request.
    const request = prepare(client, { path, json: { prompt: 'Open a new session.' } });
    const load = ctx.runLoad(async () => {
      const answer = await send(client, request);
      const body = jsonOf(answer.text);
      const ok = answer.status === 200 && isRecord(body);
      if (ok && body.sessionCreated === true) ctx.count('sessionsCreated');
      return { status: answer.status, ok, bytes: answer.bytes };
    });
    // One sampler is enough: the count is the target's, whichever shard reads it.
    const sampling = ctx.shard.index === 0 ? repeatWhile(ctx, load, pollMs, sample) : Promise.resolve();
    await settleBoth(load, sampling);
  });
  await sample();
  const after = await sessionCounts(ctx, sessionsPath);
  ctx.gauge('liveSessions', after.live);
  ctx.gauge('sessionPeak', after.peak ?? highest);
  if (after.max !== undefined) ctx.gauge('sessionCap', after.max);
};
