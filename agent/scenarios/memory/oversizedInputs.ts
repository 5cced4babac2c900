/**
 * memory.resource_exhaustion: inputs past the target's size limit. Graceful means a 4xx, or the
 * connection closed during the upload (HTTP lets a server stop reading an oversized body) by a
 * target that still answers right after. A 2xx means the limit is not enforced; a 5xx or a target
 * that stops answering is unhandled.
 */
import type { Scenario } from '../../../shared/model/scenario.js';
import { errorCode } from '../../../shared/metrics/outcomes.js';
import { intParam, numberListParam, pathParam } from '../../../shared/model/params.js';
import { textOfSize } from '../support/payloads.js';
import { isAlive, recordAliveAfter } from '../support/target.js';
import { settleBoth } from '../support/schedule.js';
import { TargetMemory } from '../support/targetMemory.js';
import { prepare, send, withClient } from '../../http/targetClient.js';

const MiB = 1024 * 1024;

export const oversizedInputsScenario: Scenario = async (ctx) => {
  const limit = intParam(ctx.params, 'limitBytes', 10 * MiB, { min: 1, max: 256 * MiB });
  const factors = numberListParam(ctx.params, 'factors', [1.05, 2, 5], { min: 1.001, max: 20 });
  const path = pathParam(ctx.params, 'path', '/process');
  const memory = await TargetMemory.open(ctx, false);
  for (const name of ['refused', 'closedEarly', 'acceptedOversize', 'unhandled']) ctx.count(name, 0);
  await withClient(ctx, async (client) => {
    const requests = factors.map((f) => {
      const size = Math.ceil(limit * f);
      return prepare(client, {
        path,
        json: {
          prompt: `A ${size} byte file, past the limit.`,
          files: [{ name: `oversized-${size}.txt`, content: textOfSize(size) }],
        },
      });
    });
    const load = ctx.runLoad(async (index) => {
      let answer;
      try {
        answer = await send(client, requests[index % requests.length]);
      } catch (error) {
        if (await isAlive(ctx)) {
          ctx.count('closedEarly');
          ctx.error(`connection closed during an oversized upload (${errorCode(error)})`);
          return { ok: true };
        }
        ctx.count('unhandled');
        throw error;
      }
      const refused = answer.status >= 400 && answer.status < 500;
      ctx.count(refused ? 'refused' : answer.status < 300 ? 'acceptedOversize' : 'unhandled');
      return { status: answer.status, ok: refused, bytes: answer.bytes };
    });
    await settleBoth(load, memory.trackPeak(load));
  });
  await recordAliveAfter(ctx);
  await memory.sample();
};
