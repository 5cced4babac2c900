/**
 * The operation most cases load the target with: one prompt through POST /process, answered by
 * some provider of the fallback chain. Besides success it reads what the target says it did (the
 * `attempts` of its answer): answers that needed another provider, provider timeouts along the
 * chain, and refusals that show a missing retry (a transient provider failure tried once) or a
 * missing fallback (one provider out, the others never tried).
 */
import type { OpOutcome, ScenarioContext } from '../../../shared/model/scenario.js';
import type { TargetClient } from '../../http/client.js';
import { pathParam, stringParam } from '../../../shared/model/params.js';
import { prepare, send } from '../../http/targetClient.js';
import { isRecord, jsonOf } from './json.js';

const PROCESS_COUNTERS = [
  'fallbackAnswers',
  'providerTimeouts',
  'unretriedFailures',
  'noFallbackFailures',
] as const;
const TRANSIENT = new Set(['failed', 'reset']);

interface Attempt {
  provider: string;
  outcome: string;
  try: number;
}

function attemptsOf(body: unknown): Attempt[] {
  const list = isRecord(body) && Array.isArray(body.attempts) ? body.attempts : [];
  return list.flatMap((a) =>
    isRecord(a) && typeof a.provider === 'string' && typeof a.outcome === 'string'
      ? [{ provider: a.provider, outcome: a.outcome, try: typeof a.try === 'number' ? a.try : 1 }]
      : [],
  );
}

/** Why a refused prompt failed, from its attempts, when that shows a missing retry or fallback. */
function refusalKind(attempts: readonly Attempt[], chainLength: number): string | undefined {
  const last = attempts.at(-1);
  if (!last) return undefined;
  const triesOfLast = attempts.filter((a) => a.provider === last.provider).length;
  if (TRANSIENT.has(last.outcome) && last.try === 1 && triesOfLast === 1) return 'unretriedFailures';
  const providers = new Set(attempts.map((a) => a.provider));
  return providers.size === 1 && chainLength > 1 ? 'noFallbackFailures' : undefined;
}

export interface ProcessOptions {
  fresh?: boolean;
  /** Providers in the target's chain, when known: a refusal after one of several is a missing fallback. */
  chainLength?: number;
  /** Told the provider of every answered prompt. */
  onAnswer?: (provider: string) => void;
}

/** Builds the request once from the `path` and `prompt` parameters and returns the operation. */
export function processOperation(
  ctx: ScenarioContext,
  client: TargetClient,
  { fresh, chainLength = 0, onAnswer }: ProcessOptions = {},
): () => Promise<OpOutcome> {
  const request = prepare(client, {
    path: pathParam(ctx.params, 'path', '/process'),
    json: { prompt: stringParam(ctx.params, 'prompt', 'Summarise the release notes in one sentence.') },
    fresh,
  });
  for (const name of PROCESS_COUNTERS) ctx.count(name, 0);
  return async () => {
    const answer = await send(client, request);
    const body = jsonOf(answer.text);
    const attempts = attemptsOf(body);
    const timeouts = attempts.filter((a) => a.outcome === 'timeout').length;
    if (timeouts > 0) ctx.count('providerTimeouts', timeouts);
    const answered = answer.status === 200 && isRecord(body) && typeof body.provider === 'string';
    // Retries on the same provider are not a fallback: count answers that needed another provider.
    if (answered) onAnswer?.(body.provider as string);
    if (answered && new Set(attempts.map((a) => a.provider)).size > 1) ctx.count('fallbackAnswers');
    if (!answered && answer.status >= 500) {
      const kind = refusalKind(attempts, chainLength);
      if (kind) ctx.count(kind);
    }
    return { status: answer.status, ok: answered, bytes: answer.bytes };
  };
}
