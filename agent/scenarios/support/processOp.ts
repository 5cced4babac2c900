/**
 * The operation most cases load the target with: one prompt through POST /process, answered by
 * some provider of the fallback chain. Besides success it counts what the provider-related cases
 * are judged on: answers that needed the fallback, and provider timeouts along the chain.
 */
import type { OpOutcome, ScenarioContext } from '../../../shared/model/scenario.js';
import type { TargetClient } from '../../http/client.js';
import { pathParam, stringParam } from '../../../shared/model/params.js';
import { prepare, send } from '../../http/targetClient.js';
import { isRecord, jsonOf } from './json.js';

const PROCESS_COUNTERS = ['fallbackAnswers', 'providerTimeouts'] as const;

/** Builds the request once from the `path` and `prompt` parameters and returns the operation. */
export function processOperation(
  ctx: ScenarioContext,
  client: TargetClient,
  extra: { fresh?: boolean } = {},
): () => Promise<OpOutcome> {
  const request = prepare(client, {
    path: pathParam(ctx.params, 'path', '/process'),
    json: { prompt: stringParam(ctx.params, 'prompt', 'Summarise the release notes in one sentence.') },
    fresh: extra.fresh,
  });
  for (const name of PROCESS_COUNTERS) ctx.count(name, 0);
  return async () => {
    const answer = await send(client, request);
    const body = jsonOf(answer.text);
    const attempts = isRecord(body) && Array.isArray(body.attempts) ? body.attempts : [];
    let timeouts = 0;
    for (const a of attempts) if (isRecord(a) && a.outcome === 'timeout') timeouts += 1;
    if (timeouts > 0) ctx.count('providerTimeouts', timeouts);
    const answered = answer.status === 200 && isRecord(body) && typeof body.provider === 'string';
    if (answered && attempts.length > 1) ctx.count('fallbackAnswers');
    return { status: answer.status, ok: answered, bytes: answer.bytes };
  };
}
