/**
 * Admin actions timed against a case's load: "fail the primary a third of the way in". The load
 * and the schedule run together; the restore step always runs once both are done, so a case never
 * leaves the shared target broken for the cases after it.
 */
import type { ScenarioContext } from '../../../shared/model/scenario.js';

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
  try {
    await settleBoth(loadRun, script());
  } finally {
    await restore();
  }
}

/**
 * Awaits the load and what runs beside it, each to its end even when the other fails (a load must
 * not run on after its shard has ended), then rethrows the first failure.
 */
export async function settleBoth(load: Promise<unknown>, beside: Promise<unknown>): Promise<void> {
  const [loadResult, besideResult] = await Promise.allSettled([load, beside]);
  if (loadResult.status === 'rejected') throw loadResult.reason;
  if (besideResult.status === 'rejected') throw besideResult.reason;
}

/** Repeats `action` every `intervalMs` until `until` settles or the shard must stop. */
export async function repeatWhile(
  ctx: ScenarioContext,
  until: Promise<unknown>,
  intervalMs: number,
  action: (round: number) => Promise<void>,
): Promise<void> {
  let done = false;
  void until.finally(() => (done = true)).catch(() => undefined);
  for (let round = 0; !done && !ctx.stopped; round++) {
    await action(round);
    if (!(await ctx.sleep(intervalMs))) break;
  }
}
