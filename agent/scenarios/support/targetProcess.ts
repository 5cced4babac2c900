/**
 * The target's process as it reports itself in GET /admin/stats `process` (target/README.md,
 * "Supervisor"): its pid, how many times its supervisor started it, and how the last one ended.
 * What proves a real restart (the pid changed, the start count went up) and a crash (an exit the
 * case did not ask for). A target that does not report it reads as undefined.
 */
import type { ScenarioContext } from '../../../shared/model/scenario.js';
import { isRecord, jsonOf } from './json.js';
import { awaitAlive } from './target.js';

export interface TargetProcess {
  pid: number;
  starts: number;
  supervised: boolean;
  lastExit?: { code: number | null; signal: string | null; requested: boolean };
}

export async function targetProcess(ctx: ScenarioContext): Promise<TargetProcess | undefined> {
  const answer = await ctx.http({ path: '/admin/stats', timeoutMs: 3000 }).catch(() => undefined);
  const body = answer?.status === 200 ? jsonOf(answer.body) : undefined;
  const p = isRecord(body) && isRecord(body.process) ? body.process : undefined;
  if (!p || typeof p.pid !== 'number') return undefined;
  const exit = isRecord(p.lastExit) ? p.lastExit : undefined;
  return {
    pid: p.pid,
    starts: typeof p.processStarts === 'number' ? p.processStarts : 1,
    supervised: p.supervised === true,
    lastExit: exit && {
      code: typeof exit.code === 'number' ? exit.code : null,
      signal: typeof exit.signal === 'string' ? exit.signal : null,
      requested: exit.requested === true,
    },
  };
}

/**
 * Gauge `targetRestarts`: how many times the target's process was started again since `before`
 * (a crash the supervisor recovered from looks alive afterwards, but not here), with the last
 * exit recorded as an error. Waits for the target to be back first.
 */
export async function recordRestartsSince(
  ctx: ScenarioContext,
  before: TargetProcess | undefined,
): Promise<void> {
  if (!before) return;
  await awaitAlive(ctx);
  const after = await targetProcess(ctx);
  if (!after) return;
  const restarts = Math.max(0, after.starts - before.starts);
  ctx.gauge('targetRestarts', restarts);
  if (restarts > 0 && after.lastExit)
    ctx.error(
      `target process exited (code ${after.lastExit.code ?? 'none'}${after.lastExit.signal ? `, ${after.lastExit.signal}` : ''}) and was restarted`,
    );
}
