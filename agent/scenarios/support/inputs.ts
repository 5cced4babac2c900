/** Sending one named input of an edge-case table and accounting for a target that drops it. */
import { errorCode } from '../../../shared/metrics/outcomes.js';
import type { ScenarioContext } from '../../../shared/model/scenario.js';

/**
 * Runs one input's exchange. A transport failure (dropped connection, no answer) counts as
 * `unhandled` and is rethrown for the engine to classify; it is recorded under the input's name
 * unless the connection was refused, since then the target was already down and the input that
 * took it down is the one recorded before.
 */
export async function attemptInput<T>(
  ctx: ScenarioContext,
  name: string,
  exchange: () => Promise<T>,
): Promise<T> {
  try {
    return await exchange();
  } catch (error) {
    ctx.count('unhandled');
    const code = errorCode(error);
    if (code !== 'ECONNREFUSED') ctx.error(`unhandled ${name}: ${code}`);
    throw error;
  }
}
