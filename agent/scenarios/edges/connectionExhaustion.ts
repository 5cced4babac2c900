/**
 * edges.resource_exhaustion: the target's connections and file handles tied up by clients that
 * never finish — slowloris-style header dribblers and uploads that stall mid-body, a thousand by
 * default, as many as a common per-process file limit — while ordinary prompts, each on a new
 * connection, are measured. Judged on what the target refuses: held connections it cuts before the
 * end and new clients it no longer serves. Where it reports its connection counts (GET
 * /admin/stats), its own refusals, peak and limit are recorded beside them. At the end the stalled
 * clients vanish at once, as crashed clients do, and the target must still answer.
 */
import type { Socket } from 'node:net';
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import { errorCode } from '../../../shared/metrics/outcomes.js';
import { intParam } from '../../../shared/model/params.js';
import { processOperation } from '../support/processOp.js';
import { openSocket, rawTargetOf, writeToAll, type RawTarget } from '../../http/rawSocket.js';
import { RequestGateClosed } from '../../http/outbound.js';
import { repeatWhile, settleBoth } from '../support/schedule.js';
import { recordAliveAfter } from '../support/target.js';
import { withClient } from '../../http/targetClient.js';
import { isRecord, jsonOf } from '../support/json.js';

const CONNECT_TIMEOUT_MS = 5000;
const STALLED_BODY_BYTES = 100_000;
/** This agent's own file-handle limit, not the target's doing. */
const CLIENT_LIMIT_CODES = new Set(['EMFILE', 'ENFILE']);

interface ConnectionCounts {
  refused: number;
  peak: number;
  limit: number | null;
}

/** The target's own connection counts, when it tells them. */
async function connectionCounts(ctx: ScenarioContext): Promise<ConnectionCounts | undefined> {
  const answer = await ctx.http({ path: '/admin/stats', timeoutMs: 3000 }).catch(() => undefined);
  const body = answer?.status === 200 ? jsonOf(answer.body) : undefined;
  const c = isRecord(body) && isRecord(body.connections) ? body.connections : undefined;
  if (!c || typeof c.refused !== 'number' || typeof c.peak !== 'number') return undefined;
  return { refused: c.refused, peak: c.peak, limit: typeof c.limit === 'number' ? c.limit : null };
}

/** Opens `count` connections that each start a request and then stall; the ones that fail are counted. */
async function openStalled(
  ctx: ScenarioContext,
  target: RawTarget,
  count: number,
  start: string,
): Promise<{ sockets: Socket[]; refused: number }> {
  const opened = await Promise.allSettled(
    Array.from({ length: count }, () => openSocket(target, start, CONNECT_TIMEOUT_MS)),
  );
  // Never opened because the shard stopped while thermally blocked: not the target's refusal.
  const held = opened.find((r) => r.status === 'rejected' && r.reason instanceof RequestGateClosed);
  if (held) {
    for (const r of opened) if (r.status === 'fulfilled') r.value.destroy();
    throw (held as PromiseRejectedResult).reason;
  }
  let refused = 0;
  for (const r of opened) {
    if (r.status === 'fulfilled') continue;
    const code = errorCode(r.reason);
    const ours = CLIENT_LIMIT_CODES.has(code);
    if (!ours) refused += 1;
    ctx.count(ours ? 'clientFileLimit' : 'refusedConnections');
    ctx.error(
      `held connection not opened: ${code}${ours ? ' (this agent is out of file handles: raise its ulimit -n)' : ''}`,
    );
  }
  return { sockets: opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])), refused };
}

function recordTargetCounts(ctx: ScenarioContext, before: ConnectionCounts, after: ConnectionCounts): void {
  ctx.gauge('targetRefusedConnections', after.refused - before.refused);
  ctx.gauge('targetPeakConnections', after.peak);
  if (after.limit !== null) ctx.gauge('targetConnectionLimit', after.limit);
}

export const connectionExhaustionScenario: Scenario = async (ctx) => {
  const held = intParam(ctx.params, 'heldConnections', 1000, { min: 0, max: 10_000 });
  const stalledUploads = intParam(ctx.params, 'stalledUploads', 16, { min: 0, max: 10_000 });
  const dribbleMs = intParam(ctx.params, 'dribbleMs', 500, { min: 10, max: 60_000 });
  const settleMs = intParam(ctx.params, 'settleMs', 300, { min: 0, max: 60_000 });
  const target = rawTargetOf(ctx);
  for (const name of ['refusedConnections', 'clientFileLimit']) ctx.count(name, 0);
  const before = await connectionCounts(ctx);
  const head = (method: string, path: string) =>
    `${method} ${target.basePath}${path} HTTP/1.1\r\nHost: target\r\n${target.userAgentLine}`;
  const dribblers = await openStalled(ctx, target, held, head('GET', '/ping'));
  const uploads = await openStalled(
    ctx,
    target,
    stalledUploads,
    `${head('POST', '/process')}Content-Type: application/json\r\nContent-Length: ${STALLED_BODY_BYTES}\r\n\r\n{"prompt":"`,
  );
  const sockets = [...dribblers.sockets, ...uploads.sockets];
  const refused = dribblers.refused + uploads.refused;
  try {
    await withClient(ctx, async (client) => {
      // A new connection per prompt: a target out of connections refuses the next client.
      const load = ctx.runLoad(processOperation(ctx, client, { fresh: true }));
      // One more byte now and then keeps each stalled request alive without ever completing it.
      const dribbling = repeatWhile(ctx, load, dribbleMs, async () => {
        await writeToAll(target, dribblers.sockets, 'X-Slow: 1\r\n');
        await writeToAll(target, uploads.sockets, 'a');
      });
      await settleBoth(load, dribbling);
    });
    const heldAtEnd = sockets.filter((s) => !s.destroyed).length;
    ctx.gauge('heldAtEnd', heldAtEnd);
    // Cut by the target before the end (reset or closed), or never let in.
    ctx.gauge('droppedConnections', sockets.length - heldAtEnd + refused);
    const after = before && (await connectionCounts(ctx));
    if (before && after) recordTargetCounts(ctx, before, after);
  } finally {
    for (const s of sockets) s.destroy();
  }
  await ctx.sleep(settleMs);
  await recordAliveAfter(ctx);
};
