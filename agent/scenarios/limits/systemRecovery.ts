/**
 * limits.system_recovery: the target's process is restarted for real, again and again — a clean
 * exit, a kill (as a crash or the OOM killer would), then with its state file truncated, then
 * filled with garbage — through its supervisor or the user's restart hook (support/restartHook.ts).
 * A restart counts as real when the target's pid changed (GET /admin/stats, where it tells it).
 * After every restart it must answer a prompt in the session opened before; after a clean exit or a
 * kill that session must still be there (state recovered from disk); after a corrupted state file
 * the damage must be detected (GET /admin/state, where it tells it) and the target must start clean.
 */
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import { errorCode } from '../../../shared/metrics/outcomes.js';
import { intParam } from '../../../shared/model/params.js';
import { isAlive, recordAliveAfter } from '../support/target.js';
import { prepare, send, withClient, type Answer } from '../../http/targetClient.js';
import { isRecord, jsonOf } from '../support/json.js';
import { restartHookOf, type RestartAsk, type RestartHook } from '../support/restartHook.js';
import { targetProcess } from '../support/targetProcess.js';
import type { TargetClient } from '../../http/client.js';

const ROUNDS: readonly RestartAsk[] = [
  { how: 'exit' },
  { how: 'kill' },
  { how: 'exit', corruptState: 'truncate' },
  { how: 'exit', corruptState: 'garbage' },
];
const POLL_MS = 100;
const SAVE_WAIT_MS = 3000;
const roundName = (r: RestartAsk) => r.corruptState ?? r.how;

async function stateDoc(ctx: ScenarioContext): Promise<Record<string, unknown> | undefined> {
  const answer = await ctx.http({ path: '/admin/state', timeoutMs: 3000 }).catch(() => undefined);
  const body = answer?.status === 200 ? jsonOf(answer.body) : undefined;
  return isRecord(body) ? body : undefined;
}

/** Until what the session changed is on disk (savePending false), or a moment when the target does not say. */
async function awaitSaved(ctx: ScenarioContext): Promise<void> {
  const deadline = Date.now() + SAVE_WAIT_MS;
  let doc = await stateDoc(ctx);
  if (!doc) return void (await ctx.sleep(500));
  while (doc?.savePending === true && Date.now() < deadline && (await ctx.sleep(POLL_MS)))
    doc = await stateDoc(ctx);
}

/** Restarts the target and waits for it to be back: true when the restart is proven real (a new pid). */
async function restartAndWait(
  ctx: ScenarioContext,
  hook: RestartHook,
  ask: RestartAsk,
  waitMs: number,
): Promise<boolean> {
  const before = await targetProcess(ctx);
  await hook.restart(ask);
  ctx.count('restarts');
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && (await ctx.sleep(POLL_MS))) {
    if (!before) {
      if (await isAlive(ctx)) return false;
      continue;
    }
    const now = await targetProcess(ctx);
    if (now && now.pid !== before.pid) {
      ctx.count('verifiedRestarts');
      return true;
    }
  }
  if (before)
    throw Object.assign(new Error(`no restart seen: pid ${before.pid} still answers`), {
      code: 'NO_RESTART',
    });
  return false;
}

async function restartRound(
  ctx: ScenarioContext,
  client: TargetClient,
  hook: RestartHook,
  index: number,
  { sessionPrefix, waitMs }: { sessionPrefix: string; waitMs: number },
): Promise<{ answer: Answer; recovered: boolean }> {
  const round = ROUNDS[index % ROUNDS.length];
  const sessionId = `${sessionPrefix}-${index}`;
  // A new connection each time: the one before the restart went with the old process.
  const promptInSession = prepare(client, {
    path: '/process',
    json: { prompt: 'Are you back?', sessionId },
    fresh: true,
  });
  const first = await send(client, promptInSession);
  if (first.status !== 200) return { answer: first, recovered: false };
  await awaitSaved(ctx);
  await restartAndWait(ctx, hook, round, waitMs);
  let kept = true;
  if (round.corruptState === undefined) {
    // Looked up before the next prompt, which would open the session again if it had been lost.
    const lookup = await send(client, prepare(client, { path: `/sessions/${sessionId}`, fresh: true }));
    kept = lookup.status === 200;
    ctx.count(kept ? 'statePreserved' : 'stateLost');
    if (!kept) ctx.error(`state lost after a restart (${roundName(round)}): session ${lookup.status}`);
  } else {
    const lastLoad = (await stateDoc(ctx))?.lastLoad;
    if (isRecord(lastLoad))
      ctx.count(lastLoad.status === 'corrupt' ? 'corruptionDetected' : 'corruptionMissed');
  }
  const answer = await send(client, promptInSession);
  return { answer, recovered: answer.status === 200 && kept };
}

const describeError = (error: unknown) =>
  errorCode(error) !== 'UNKNOWN' ? errorCode(error) : String((error as Error)?.message ?? error).slice(0, 80);

export const systemRecoveryScenario: Scenario = async (ctx) => {
  const waitMs = intParam(ctx.params, 'restartWaitMs', 20_000, { min: 1000, max: 600_000 });
  const hook = restartHookOf(ctx);
  for (const name of [
    'restarts',
    'verifiedRestarts',
    'recovered',
    'statePreserved',
    'stateLost',
    'corruptionDetected',
    'corruptionMissed',
  ])
    ctx.count(name, 0);
  const sessionPrefix = `recovery-${ctx.shard.runId}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40);
  try {
    await withClient(ctx, (client) =>
      ctx.runLoad(async (index) => {
        let result;
        try {
          result = await restartRound(ctx, client, hook, index, { sessionPrefix, waitMs });
        } catch (error) {
          ctx.error(
            `restart ${roundName(ROUNDS[index % ROUNDS.length])} via ${hook.describe}: ${describeError(error)}`,
          );
          throw error;
        }
        if (result.recovered) ctx.count('recovered');
        return { status: result.answer.status, ok: result.recovered, bytes: result.answer.bytes };
      }),
    );
  } finally {
    await hook.close();
  }
  await recordAliveAfter(ctx);
};
