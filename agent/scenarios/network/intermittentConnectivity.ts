/**
 * network.intermittent_connectivity: a share of the target's calls to its providers fail (30% by
 * default, on the provider path through the upstream fault proxy), as the seed's network failures
 * are: the service's own retries and fallback are what is under test, not the client's luck. The
 * proxy's counts prove the faults struck; the answers' attempts show a blip that was not retried.
 */
import type { Scenario } from '../../../shared/model/scenario.js';
import { ScenarioParamError } from '../../../shared/model/params.js';
import { processOperation } from '../support/processOp.js';
import { isRecord } from '../support/json.js';
import { countsSince, countUpstream, totalCounts, withUpstream } from '../support/upstream.js';
import { withClient } from '../../http/targetClient.js';

const DEFAULT_FAULTS = { failProbability: 0.3 };

export const intermittentConnectivityScenario: Scenario = async (ctx) => {
  const faults = ctx.params.upstreamFaults ?? DEFAULT_FAULTS;
  if (!isRecord(faults))
    throw new ScenarioParamError('upstreamFaults', 'an object of upstream proxy faults', faults);
  await withUpstream(ctx, async (upstream, lanes) => {
    const before = totalCounts(lanes);
    await upstream.setAll(faults);
    await withClient(ctx, (client) =>
      ctx.runLoad(processOperation(ctx, client, { chainLength: lanes.length })),
    );
    countUpstream(ctx, countsSince(before, totalCounts(await upstream.lanes())));
  });
};
