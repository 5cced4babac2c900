/**
 * concurrency.session_overflow: many concurrent prompts, each opening a new session, then the
 * target's own count of live sessions. Every shard reads the count after its load; the merged gauge
 * keeps the highest, so the shard that finishes last decides.
 */
import type { Scenario } from '../../../shared/model/scenario.js';
import { pathParam } from '../../../shared/model/params.js';
import { readJson, requireRoute } from '../support/target.js';
import { prepare, send, withClient } from '../../http/targetClient.js';
import { isRecord, jsonOf } from '../support/json.js';

function sessionCount(doc: Record<string, unknown>, field: string, path: string): number {
  const value = doc[field];
  if (typeof value !== 'number')
    throw new Error(`GET ${path}: expected a number in "${field}", got ${JSON.stringify(value)}`);
  return value;
}

export const sessionOverflowScenario: Scenario = async (ctx) => {
  const sessionsPath = pathParam(ctx.params, 'sessionsPath', '/sessions');
  const path = pathParam(ctx.params, 'path', '/process');
  await requireRoute(ctx, 'GET', sessionsPath);
  ctx.count('sessionsCreated', 0);
  await withClient(ctx, async (client) => {
    // No session id: the target opens a new session for every request.
    const request = prepare(client, { path, json: { prompt: 'Open a new session.' } });
    await ctx.runLoad(async () => {
      const answer = await send(client, request);
      const body = jsonOf(answer.text);
      const ok = answer.status === 200 && isRecord(body);
      if (ok && body.sessionCreated === true) ctx.count('sessionsCreated');
      return { status: answer.status, ok, bytes: answer.bytes };
    });
  });
  const sessions = await readJson(ctx, sessionsPath);
  ctx.gauge('liveSessions', sessionCount(sessions, 'live', sessionsPath));
  ctx.gauge('sessionPeak', sessionCount(sessions, 'peak', sessionsPath));
  ctx.gauge('sessionCap', sessionCount(sessions, 'max', sessionsPath));
};
