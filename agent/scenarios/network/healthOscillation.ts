/**
 * network.provider_health_oscillation: every provider but the last flaps between up and down with
 * its own short period while load runs, so the chain's head changes health many times a second.
 * The health flips the target reports are counted, proving the oscillation happened.
 */
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import { intListParam, intParam } from '../../../shared/model/params.js';
import { processOperation } from '../support/processOp.js';
import { repeatWhile, settleBoth } from '../support/schedule.js';
import {
  chainHead,
  providerChain,
  readJson,
  requireProviderHook,
  restoreProviders,
  setProviderState,
} from '../support/target.js';
import { withClient } from '../../http/targetClient.js';
import { isRecord } from '../support/json.js';

/** Whether each provider takes calls right now, from GET /providers/health. */
async function availability(ctx: ScenarioContext): Promise<Map<string, boolean>> {
  const { providers } = await readJson(ctx, '/providers/health');
  const states = new Map<string, boolean>();
  if (Array.isArray(providers))
    for (const p of providers)
      if (isRecord(p) && typeof p.name === 'string') states.set(p.name, p.available === true);
  return states;
}

export const healthOscillationScenario: Scenario = async (ctx) => {
  const periods = intListParam(ctx.params, 'flapPeriodsMs', [200, 300], { min: 10, max: 600_000 });
  const pollMs = intParam(ctx.params, 'healthPollMs', 50, { min: 10, max: 60_000 });
  const chain = await providerChain(ctx);
  const flapping = chainHead(chain, 'flapPeriodsMs', periods);
  await requireProviderHook(ctx, chain);
  // Read once before anything changes: a target without the health route skips here.
  await availability(ctx);
  ctx.count('healthFlips', 0);
  try {
    await Promise.all(
      flapping.map((provider, i) =>
        setProviderState(ctx, provider, { state: 'flapping', periodMs: periods[i] }),
      ),
    );
    await withClient(ctx, async (client) => {
      const op = processOperation(ctx, client);
      const load = ctx.runLoad(op);
      let previous = await availability(ctx);
      const polling = repeatWhile(ctx, load, pollMs, async () => {
        const now = await availability(ctx);
        for (const [name, available] of now) if (previous.get(name) !== available) ctx.count('healthFlips');
        previous = now;
      });
      await settleBoth(load, polling);
    });
  } finally {
    await restoreProviders(ctx, flapping);
  }
};
