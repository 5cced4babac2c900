/**
 * Admin actions timed against a case's load: "fail the primary a third of the way in". The load
 * and the schedule run together; the restore step always runs once both are done, so a case never
 * leaves the shared target broken for the cases after it.
 */
import type { ScenarioContext } from '../../../shared/scenario.js';

interface ScheduledStep {
  /** When to act, as a fraction (0..1) of the load's duration. */
  at: number;
  run(): Promise<unknown>;
}

export async function loadWithSchedule(
  ctx: ScenarioContext,
  load: () => Promise<void>,
  steps: readonly ScheduledStep[],
  restore: () => Promise<unknown>,
): Promise<void> {
  const started = Date.now();
  let loadDone = false;
  const script = async () => {
    for (const step of [...steps].sort((a, b) => a.at - b.at)) {
      const wait = started + step.at * ctx.load.durationMs - Date.now();
      if (!(await ctx.sleep(Math.max(0, wait))) || loadDone) return;
      await step.run();
    }
  };
  const loadRun = load().finally(() => (loadDone = true));
  // Both are awaited even when one fails: the load must not run on after the shard has ended.
  const [loadResult, scriptResult] = await Promise.allSettled([loadRun, script()]);
  await restore();
  if (loadResult.status === 'rejected') throw loadResult.reason;
  if (scriptResult.status === 'rejected') throw scriptResult.reason;
}

/** Repeats `action` every `intervalMs` until `until` settles; returns how often it ran. */
export async function repeatWhile(ctx: ScenarioContext, until: Promise<unknown>, intervalMs: number, action: (round: number) => Promise<void>): Promise<number> {
  let done = false;
  void until.finally(() => (done = true)).catch(() => undefined);
  let rounds = 0;
  while (!done && !ctx.stopped) {
    await action(rounds++);
    if (!(await ctx.sleep(intervalMs))) break;
  }
  return rounds;
}
