/**
 * network.provider_health_oscillation: every provider but the last oscillates between healthy and
 * failing on the provider path (the upstream fault proxy's `oscillate`, each with its own period)
 * while load runs, so the chain's head changes health many times a second. The proxy's count of
 * calls that met a down phase proves the oscillation struck; where the target reports provider
 * health, the flips it saw are counted too.
 */
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import { intListParam, intParam, ScenarioParamError } from '../../../shared/model/params.js';
import { processOperation } from '../support/processOp.js';
import { repeatWhile, settleBoth } from '../support/schedule.js';
import { countsSince, lanesInChainOrder, totalCounts, withUpstream } from '../support/upstream.js';
import { withClient } from '../../http/targetClient.js';
import { isRecord, jsonOf } from '../support/json.js';

/** Whether each provider is healthy by the target's own account, or undefined when it does not say. */
async function health(ctx: ScenarioContext): Promise<Map<string, boolean> | undefined> {
  const answer = await ctx.http({ path: '/providers/health', timeoutMs: 3000 }).catch(() => undefined);
  const body = answer?.status === 200 ? jsonOf(answer.body) : undefined;
  if (!isRecord(body) || !Array.isArray(body.providers)) return undefined;
  const states = new Map<string, boolean>();
  for (const p of body.providers)
    if (isRecord(p) && typeof p.name === 'string') states.set(p.name, p.healthy === true);
  return states;
}

export const healthOscillationScenario: Scenario = async (ctx) => {
  const periods = intListParam(ctx.params, 'flapPeriodsMs', [400, 600], { min: 20, max: 600_000 });
  const pollMs = intParam(ctx.params, 'healthPollMs', 50, { min: 10, max: 60_000 });
  for (const name of ['downPhaseCalls', 'healthFlips']) ctx.count(name, 0);
  await withUpstream(ctx, async (upstream, unordered) => {
    const lanes = await lanesInChainOrder(ctx, unordered);
    if (periods.length >= lanes.length)
      throw new ScenarioParamError(
        'flapPeriodsMs',
        `fewer entries than the ${lanes.length} provider lanes of the upstream proxy (the last one must stay up)`,
        periods,
      );
    const before = totalCounts(lanes);
    await Promise.all(
      periods.map((periodMs, i) =>
        upstream.setFaults(lanes[i].name, {
          oscillate: { periodMs, downMs: Math.ceil(periodMs / 2), mode: 'fail' },
        }),
      ),
    );
    await withClient(ctx, async (client) => {
      const load = ctx.runLoad(processOperation(ctx, client, { chainLength: lanes.length }));
      let previous = await health(ctx);
      const polling = repeatWhile(ctx, load, pollMs, async () => {
        const now = previous && (await health(ctx));
        if (!now || !previous) return;
        for (const [name, healthy] of now) if (previous.get(name) !== healthy) ctx.count('healthFlips');
        previous = now;
      });
      await settleBoth(load, polling);
    });
    ctx.count('downPhaseCalls', countsSince(before, totalCounts(await upstream.lanes())).oscillationDown);
  });
};
