/**
 * The `flow` interpreter: each operation is one iteration of a virtual user through the steps,
 * alternatives picked by weight, values captured from one response used in the next. An iteration
 * succeeds when every step answered as expected and every check passed; a step that fails (status
 * outside its expectStatus, a capture missing, a transport error) ends its iteration, since the
 * steps after it usually depend on it.
 */
import { thinkMs } from '../../../shared/custom/fields.js';
import { checkFlowParams } from '../../../shared/custom/flowCheck.js';
import type { Scenario } from '../../../shared/model/scenario.js';
import { compileFlow, pickStep, type CompiledStep } from './compile.js';
import { runStep, type IterationScope } from './step.js';

export const flowScenario: Scenario = async (ctx) => {
  const checked = checkFlowParams(ctx.params, ['params'], { mode: 'agent', env: {}, problems: [] });
  if (checked.problems.length > 0)
    throw new Error(`invalid flow parameters: ${checked.problems[0].path}: ${checked.problems[0].message}`);
  const params = checked.params as { steps: unknown[]; thinkTimeMs?: CompiledStep['think'] };
  const entries = compileFlow(params.steps);
  const iterations = new Map<number, number>();
  const { index: shardIndex, count: shardCount } = ctx.shard;
  await ctx.runLoad(async (_, slot) => {
    const iteration = iterations.get(slot) ?? 0;
    iterations.set(slot, iteration + 1);
    // Unique across the case's shards without knowing how the others were sized.
    const scope: IterationScope = { vu: slot * shardCount + shardIndex + 1, iteration, vars: new Map() };
    let ok = true;
    let status = 0;
    let bytes = 0;
    for (const entry of entries) {
      const step = pickStep(entry);
      const result = await runStep(ctx, step, scope);
      [status, bytes] = [result.status, bytes + result.bytes];
      ok &&= result.checksPassed;
      if (!result.ok) return { ok: false, status, bytes };
      const pause = thinkMs(step.think ?? params.thinkTimeMs);
      if (pause > 0 && !(await ctx.sleep(pause))) break;
    }
    return { ok, status, bytes };
  });
};
