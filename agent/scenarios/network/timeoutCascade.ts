/**
 * network.timeout_cascades: under steady load the providers at the head of the chain turn slow,
 * past their own timeouts, one after another, so each prompt waits out a growing cascade of
 * provider timeouts before the fallback answers. Judged on answers and their mean time; the
 * provider timeouts seen in the answers are counted as evidence.
 */
import type { Scenario } from '../../../shared/model/scenario.js';
import { intParam, numberListParam } from '../../../shared/model/params.js';
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

export const timeoutCascadeScenario: Scenario = async (ctx) => {
  const slowAt = numberListParam(ctx.params, 'slowAt', [0, 0.5], { min: 0, max: 1 });
  // Without slowMs the target picks its own delay (past its default provider timeouts).
  const slowMs =
    ctx.params.slowMs === undefined ? undefined : intParam(ctx.params, 'slowMs', 0, { min: 1, max: 60_000 });
  const chain = await providerChain(ctx);
  const slowing = chainHead(chain, 'slowAt', slowAt);
  await requireProviderHook(ctx, chain);
  const acting = ctx.shard.index === 0;
  const slow = { state: 'slow', ...(slowMs !== undefined ? { slowMs } : {}) };
  await withClient(ctx, (client) => {
    const op = processOperation(ctx, client);
    return loadWithSchedule(
      ctx,
      () => ctx.runLoad(op),
      acting
        ? slowing.map((provider, i) => ({ at: slowAt[i], run: () => setProviderState(ctx, provider, slow) }))
        : [],
      () => (acting ? restoreProviders(ctx, slowing) : Promise.resolve()),
    );
  });
};
