/**
 * limits.provider_switching: the primary provider is switched every few milliseconds, cycling
 * through the chain, while prompts are measured. Each switch is verified by reading the chain back
 * (GET /providers): a switch the target answered but did not make is counted as ignored. The
 * providers that answered the prompts show the switches reached the traffic. When the load ends
 * the chain is put back in its original order (promoting each provider from the last to the first
 * rebuilds it exactly).
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
  for (const name of ['switches', 'switchesIgnored']) ctx.count(name, 0);
  const answering = new Set<string>();
  const onAnswer = (provider: string) => {
    if (!answering.has(provider)) ctx.gauge('answeringProviders', answering.add(provider).size);
  };
  try {
    await withClient(ctx, async (client) => {
      const load = ctx.runLoad(processOperation(ctx, client, { chainLength: chain.length, onAnswer }));
      const switching = acting
        ? repeatWhile(ctx, load, intervalMs, async (round) => {
            const next = chain[(round + 1) % chain.length];
            await promote(next);
            const inForce = (await providerChain(ctx))[0];
            ctx.count(inForce === next ? 'switches' : 'switchesIgnored');
            if (inForce !== next)
              ctx.error(`switch to ${next} ignored: the chain still starts with ${inForce}`);
          })
        : Promise.resolve();
      await settleBoth(load, switching);
    });
  } finally {
    if (acting) for (const provider of [...chain].reverse()) await promote(provider);
  }
};
