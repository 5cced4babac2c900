/**
 * concurrency.provider_cascade_failures: steady load while the providers at the head of the
 * fallback chain go down one after another (primary, then secondary). Every shard loads; only
 * shard 0 flips providers, and it puts them back up when the load ends.
 */
import type { Scenario } from '../../../shared/model/scenario.js';
import { numberListParam } from '../../../shared/model/params.js';
import { processOperation } from '../support/processOp.js';
import { loadWithSchedule } from '../support/schedule.js';
import {
  chainHead,
  providerChain,
  requireProviderHook,
  restoreProviders,
  setProviderState,
} from '../support/target.js';
import { withClient } from '../../http/targetClient.js';

export const providerCascadeScenario: Scenario = async (ctx) => {
  const failAt = numberListParam(ctx.params, 'failAt', [1 / 3, 2 / 3], { min: 0, max: 1 });
  const chain = await providerChain(ctx);
  const failing = chainHead(chain, 'failAt', failAt);
  await requireProviderHook(ctx, chain);
  const acting = ctx.shard.index === 0;
  await withClient(ctx, (client) => {
    const op = processOperation(ctx, client, { chainLength: chain.length });
    return loadWithSchedule(
      ctx,
      () => ctx.runLoad(op),
      acting
        ? failing.map((provider, i) => ({
            at: failAt[i],
            run: () => setProviderState(ctx, provider, { state: 'down' }),
          }))
        : [],
      () => (acting ? restoreProviders(ctx, failing) : Promise.resolve()),
    );
  });
};
