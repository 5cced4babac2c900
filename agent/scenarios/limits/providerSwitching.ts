/**
 * limits.provider_switching: the primary provider is switched every few milliseconds, cycling
 * through the chain, while prompts are measured. When the load ends the chain is put back in its
 * original order (promoting each provider from the last to the first rebuilds it exactly).
 */
import type { Scenario } from '../../../shared/model/scenario.js';
import { intParam } from '../../../shared/model/params.js';
import { processOperation } from '../support/processOp.js';
import { repeatWhile, settleBoth } from '../support/schedule.js';
import { adminCall, providerChain, requireRoute } from '../support/target.js';
import { withClient } from '../../http/targetClient.js';

const PRIMARY_HOOK = '/admin/primary';

export const providerSwitchingScenario: Scenario = async (ctx) => {
  const intervalMs = intParam(ctx.params, 'switchIntervalMs', 100, { min: 1, max: 600_000 });
  const chain = await providerChain(ctx);
  await requireRoute(ctx, 'POST', PRIMARY_HOOK);
  const acting = ctx.shard.index === 0;
  const promote = (provider: string) => adminCall(ctx, PRIMARY_HOOK, { provider });
  ctx.count('switches', 0);
  try {
    await withClient(ctx, async (client) => {
      const load = ctx.runLoad(processOperation(ctx, client));
      const switching = acting
        ? repeatWhile(ctx, load, intervalMs, async (round) => {
            await promote(chain[(round + 1) % chain.length]);
            ctx.count('switches');
          })
        : Promise.resolve();
      await settleBoth(load, switching);
    });
  } finally {
    if (acting) for (const provider of [...chain].reverse()) await promote(provider);
  }
};
