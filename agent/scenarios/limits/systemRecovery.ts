/**
 * limits.system_recovery: the target restarts through its admin hook — cleanly, then with its
 * state file truncated, then filled with garbage — and after each restart it must answer a
 * prompt. After a clean restart a session opened before it must still be there.
 */
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import { errorCode } from '../../../shared/metrics/outcomes.js';
import { adminCall, recordAliveAfter, requireRoute } from '../support/target.js';
import { prepare, send, withClient, type Answer } from '../../http/targetClient.js';
import { isRecord } from '../support/json.js';
import type { TargetClient } from '../../http/client.js';

const RESTART_HOOK = '/admin/restart';
const RESTARTS = [undefined, 'truncate', 'garbage'] as const;

/** Restarts the target, damaging its state file first when asked; counts a detected corruption. */
async function restart(
  ctx: ScenarioContext,
  corruptState: (typeof RESTARTS)[number],
  slot: number,
): Promise<void> {
  const answer = await adminCall(ctx, RESTART_HOOK, corruptState ? { corruptState } : {}, slot);
  ctx.count('restarts');
  if (isRecord(answer) && isRecord(answer.lastLoad) && answer.lastLoad.status === 'corrupt')
    ctx.count('corruptionDetected');
}

async function restartRound(
  ctx: ScenarioContext,
  client: TargetClient,
  index: number,
  slot: number,
  sessionPrefix: string,
): Promise<{ answer: Answer; recovered: boolean }> {
  const corruption = RESTARTS[index % RESTARTS.length];
  const sessionId = `${sessionPrefix}-${index}`;
  const promptInSession = prepare(client, { path: '/process', json: { prompt: 'Are you back?', sessionId } });
  // Each request after the operation's first names its lane, so a thermal wait leaves the latency.
  if (corruption === undefined) await send(client, promptInSession);
  await restart(ctx, corruption, slot);
  // Looked up before the next prompt, which would open the session again if it had been lost.
  const kept =
    corruption !== undefined ||
    (await send(client, prepare(client, { path: `/sessions/${sessionId}` }), slot)).status === 200;
  if (corruption === undefined && kept) ctx.count('statePreserved');
  const answer = await send(client, promptInSession, slot);
  return { answer, recovered: answer.status === 200 && kept };
}

export const systemRecoveryScenario: Scenario = async (ctx) => {
  await requireRoute(ctx, 'POST', RESTART_HOOK);
  for (const name of ['restarts', 'recovered', 'statePreserved', 'corruptionDetected']) ctx.count(name, 0);
  const sessionPrefix = `recovery-${ctx.shard.runId}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40);
  await withClient(ctx, (client) =>
    ctx.runLoad(async (index, slot) => {
      let result;
      try {
        result = await restartRound(ctx, client, index, slot, sessionPrefix);
      } catch (error) {
        ctx.error(`restart ${RESTARTS[index % RESTARTS.length] ?? 'clean'}: ${errorCode(error)}`);
        throw error;
      }
      if (result.recovered) ctx.count('recovered');
      return { status: result.answer.status, ok: result.recovered, bytes: result.answer.bytes };
    }),
  );
  await recordAliveAfter(ctx);
};
