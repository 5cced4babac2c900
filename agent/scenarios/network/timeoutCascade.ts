/**
 * network.timeout_cascades: under steady load the providers at the head of the chain turn slow on
 * the provider path (the upstream fault proxy delays their answers past the target's per-call
 * timeout), one after another, so each prompt waits out a growing cascade of provider timeouts
 * before the fallback answers. Judged on answers and their mean time; the proxy's counts of calls
 * to the slowed providers prove the cascade happened.
 */
import type { Scenario } from '../../../shared/model/scenario.js';
import { intParam, numberListParam, ScenarioParamError } from '../../../shared/model/params.js';
import { processOperation } from '../support/processOp.js';
import { loadWithSchedule } from '../support/schedule.js';
import { lanesInChainOrder, totalCounts, withUpstream, type LaneCounts } from '../support/upstream.js';
import { withClient } from '../../http/targetClient.js';

export const timeoutCascadeScenario: Scenario = async (ctx) => {
  const slowAt = numberListParam(ctx.params, 'slowAt', [0, 0.5], { min: 0, max: 1 });
  const slowMs = intParam(ctx.params, 'slowMs', 2000, { min: 1, max: 60_000 });
  ctx.count('slowedCalls', 0);
  await withUpstream(ctx, async (upstream, unordered) => {
    const lanes = await lanesInChainOrder(ctx, unordered);
    if (slowAt.length >= lanes.length)
      throw new ScenarioParamError(
        'slowAt',
        `fewer entries than the ${lanes.length} provider lanes of the upstream proxy (the last one must stay fast)`,
        slowAt,
      );
    const slowing = lanes.slice(0, slowAt.length).map((l) => l.name);
    const since = new Map<string, LaneCounts>();
    await withClient(ctx, (client) =>
      loadWithSchedule(
        ctx,
        () => ctx.runLoad(processOperation(ctx, client, { chainLength: lanes.length })),
        slowing.map((name, i) => ({
          at: slowAt[i],
          run: async () => {
            since.set(name, totalCounts(await upstream.lanes(), [name]));
            await upstream.setFaults(name, { latencyMs: slowMs });
          },
        })),
        async () => {
          const now = await upstream.lanes();
          for (const [name, before] of since)
            ctx.count('slowedCalls', totalCounts(now, [name]).requests - before.requests);
        },
      ),
    );
  });
};
