/**
 * edges.resource_exhaustion: the target's connections and file handles tied up by clients that
 * never finish — slowloris-style header dribblers and uploads that stall mid-body — while ordinary
 * prompts are measured. At the end the stalled clients vanish at once, as crashed clients do, and
 * the target must still answer.
 */
import type { Socket } from 'node:net';
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import { intParam } from '../../../shared/model/params.js';
import { processOperation } from '../support/processOp.js';
import { openSocket, rawTargetOf, writeToAll, type RawTarget } from '../../http/rawSocket.js';
import { RequestGateClosed } from '../../http/outbound.js';
import { repeatWhile, settleBoth } from '../support/schedule.js';
import { recordAliveAfter } from '../support/target.js';
import { withClient } from '../../http/targetClient.js';

const CONNECT_TIMEOUT_MS = 5000;
const STALLED_BODY_BYTES = 100_000;

/** Opens `count` connections that each start a request and then stall; failures to connect are counted. */
async function openStalled(
  ctx: ScenarioContext,
  target: RawTarget,
  count: number,
  start: string,
): Promise<Socket[]> {
  const opened = await Promise.allSettled(
    Array.from({ length: count }, () => openSocket(target, start, CONNECT_TIMEOUT_MS)),
  );
  const sockets = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  // Never opened because the shard stopped while thermally blocked: not the target's refusal.
  const held = opened.find((r) => r.status === 'rejected' && r.reason instanceof RequestGateClosed);
  if (held) {
    for (const s of sockets) s.destroy();
    throw (held as PromiseRejectedResult).reason;
  }
  ctx.count('refusedConnections', count - sockets.length);
  return sockets;
}

export const connectionExhaustionScenario: Scenario = async (ctx) => {
  const held = intParam(ctx.params, 'heldConnections', 256, { min: 0, max: 10_000 });
  const stalledUploads = intParam(ctx.params, 'stalledUploads', 16, { min: 0, max: 10_000 });
  const dribbleMs = intParam(ctx.params, 'dribbleMs', 500, { min: 10, max: 60_000 });
  const settleMs = intParam(ctx.params, 'settleMs', 300, { min: 0, max: 60_000 });
  const target = rawTargetOf(ctx);
  const head = (method: string, path: string) =>
    `${method} ${target.basePath}${path} HTTP/1.1\r\nHost: target\r\n${target.userAgentLine}`;
  const dribblers = await openStalled(ctx, target, held, head('GET', '/ping'));
  const uploads = await openStalled(
    ctx,
    target,
    stalledUploads,
    `${head('POST', '/process')}Content-Type: application/json\r\nContent-Length: ${STALLED_BODY_BYTES}\r\n\r\n{"prompt":"`,
  );
  const sockets = [...dribblers, ...uploads];
  try {
    await withClient(ctx, async (client) => {
      const load = ctx.runLoad(processOperation(ctx, client));
      // One more byte now and then keeps each stalled request alive without ever completing it.
      const dribbling = repeatWhile(ctx, load, dribbleMs, async () => {
        await writeToAll(target, dribblers, 'X-Slow: 1\r\n');
        await writeToAll(target, uploads, 'a');
      });
      await settleBoth(load, dribbling);
    });
    ctx.gauge('heldAtEnd', sockets.filter((s) => !s.destroyed).length);
  } finally {
    for (const s of sockets) s.destroy();
  }
  await ctx.sleep(settleMs);
  await recordAliveAfter(ctx);
};
