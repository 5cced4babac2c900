/**
 * limits.session_boundaries: session ids the target must not trust — malformed, unknown, reused by
 * concurrent requests, deleted then reused, and sessions whose stored history was corrupted behind
 * the target's back (through its admin hook). Each kind has the answer it must get: a 4xx for a
 * malformed id, a fresh session for an unknown or deleted one, every one of N simultaneous turns
 * counted once in a shared session, a reset (recovered) session for a corrupted one. A corrupted
 * session served as if intact is counted on its own. Every session the case opens is deleted at
 * the end, and the target's live count must be back where it was (support/ownSessions.ts).
 */
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import { intParam } from '../../../shared/model/params.js';
import { outboundOf } from '../../http/outbound.js';
import { TargetClient } from '../../http/client.js';
import { requestTimeoutOf } from '../../http/options.js';
import { attemptInput } from '../support/inputs.js';
import { OwnSessions } from '../support/ownSessions.js';
import { adminCall, recordAliveAfter, requireRoute } from '../support/target.js';
import { prepare, send, withClient, type Answer } from '../../http/targetClient.js';
import { isRecord, jsonOf } from '../support/json.js';

type Verdict = { answer: Answer; handled: boolean; corruptServed?: boolean };
type Kind = (index: number) => Promise<Verdict>;
type Prompt = (
  id: string,
  via?: TargetClient,
  record?: boolean,
) => Promise<{ answer: Answer; body: Record<string, unknown> }>;

const isClientError = (a: Answer) => a.status >= 400 && a.status < 500;

function processAs(client: TargetClient, sessionId: unknown) {
  return prepare(client, { path: '/process', json: { prompt: 'Continue the session.', sessionId } });
}

/** A prompt in session `id`, the session recorded as the case's own (unless `record` is false). */
function prompter(client: TargetClient, own: OwnSessions): Prompt {
  return async (id, via = client, record = true) => {
    const answer = await send(via, processAs(via, id));
    const parsed = jsonOf(answer.text);
    const body = isRecord(parsed) ? parsed : {};
    if (record && (answer.status === 200 || body.sessionId === id))
      own.used(id, body.sessionCreated === true);
    return { answer, body };
  };
}

/** N prompts at once in one new session: each turn must be counted once, none lost or doubled. */
function concurrentReuse(
  prompt: Prompt,
  own: OwnSessions,
  burst: TargetClient,
  prefix: string,
  n: number,
): Kind {
  return async (i) => {
    const id = `${prefix}-shared-${i}`;
    const answers = await Promise.all(Array.from({ length: n }, () => prompt(id, burst, false)));
    // Recorded once: the answers arrive in any order, the one that created the session among them.
    own.used(
      id,
      answers.some((a) => a.body.sessionCreated === true),
    );
    const failed = answers.find((a) => a.answer.status !== 200);
    if (failed) return { answer: failed.answer, handled: false };
    const turns = new Set(answers.map((a) => a.body.turn));
    const stored = jsonOf((await send(burst, prepare(burst, { path: `/sessions/${id}` }))).text);
    const counted = isRecord(stored) && stored.turns === n;
    const distinct = turns.size === n && [...turns].every((t) => typeof t === 'number' && t >= 1 && t <= n);
    return { answer: answers[0].answer, handled: counted && distinct };
  };
}

function kinds(
  ctx: ScenarioContext,
  client: TargetClient,
  own: OwnSessions,
  burst: { client: TargetClient; turns: number },
  prefix: string,
): [string, Kind][] {
  const prompt = prompter(client, own);
  const refused = (sessionId: unknown): Kind => {
    const request = processAs(client, sessionId);
    return async () => {
      const answer = await send(client, request);
      return { answer, handled: isClientError(answer) };
    };
  };
  const lookup = (path: string, expected: (a: Answer) => boolean): Kind => {
    const request = prepare(client, { path });
    return async () => {
      const answer = await send(client, request);
      return { answer, handled: expected(answer) };
    };
  };
  const fresh = ({ answer, body }: Awaited<ReturnType<Prompt>>) =>
    answer.status === 200 && body.sessionCreated === true && body.turn === 1;
  return [
    ['invalid_id_characters', refused('../../etc/passwd')],
    ['invalid_id_too_long', refused('s'.repeat(65))],
    ['invalid_id_empty', refused('')],
    ['invalid_id_unicode', refused('sessión-ü')],
    ['invalid_id_type', refused({ $gt: '' })],
    ['invalid_id_in_path', lookup('/sessions/bad%20id%3B', isClientError)],
    ['unknown_id_lookup', lookup(`/sessions/${prefix}-never-created`, (a) => a.status === 404)],
    [
      'unknown_id_used',
      async (i) => {
        const result = await prompt(`${prefix}-new-${i}`);
        return { answer: result.answer, handled: fresh(result) };
      },
    ],
    ['reused_id_concurrently', concurrentReuse(prompt, own, burst.client, prefix, burst.turns)],
    [
      'deleted_then_reused',
      async (i) => {
        const id = `${prefix}-deleted-${i}`;
        await prompt(id);
        const deleted = await send(client, prepare(client, { method: 'DELETE', path: `/sessions/${id}` }));
        if (deleted.status !== 200) return { answer: deleted, handled: false };
        own.deleted(id);
        const result = await prompt(id);
        return { answer: result.answer, handled: fresh(result) };
      },
    ],
    [
      'corrupted_history',
      async (i) => {
        const id = `${prefix}-corrupt-${i}`;
        await prompt(id);
        await adminCall(ctx, `/admin/sessions/${id}/corrupt`);
        const { answer, body } = await prompt(id);
        const recovered = answer.status === 200 && body.sessionRecovered === true;
        return { answer, handled: recovered, corruptServed: answer.status === 200 && !recovered };
      },
    ],
  ];
}

export const sessionBoundariesScenario: Scenario = async (ctx) => {
  const turns = intParam(ctx.params, 'concurrentTurns', 8, { min: 2, max: 256 });
  for (const name of ['handled', 'unhandled', 'corruptServed']) ctx.count(name, 0);
  const prefix = `bounds-${ctx.shard.runId}-${ctx.shard.index}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40);
  await requireRoute(ctx, 'POST', `/admin/sessions/${prefix}-probe/corrupt`);
  const own = await OwnSessions.open(ctx);
  const burst = new TargetClient(
    ctx.target,
    turns,
    requestTimeoutOf(ctx.params),
    outboundOf(ctx),
    ctx.transport,
  );
  try {
    await withClient(ctx, async (client) => {
      const all = kinds(ctx, client, own, { client: burst, turns }, prefix);
      await ctx.runLoad(async (index) => {
        const [name, kind] = all[index % all.length];
        const { answer, handled, corruptServed } = await attemptInput(ctx, name, () => kind(index));
        if (handled) ctx.count('handled');
        else {
          if (answer.status >= 500) ctx.count('unhandled');
          if (corruptServed) ctx.count('corruptServed');
          ctx.error(`${name}: HTTP ${answer.status}`);
        }
        return { status: answer.status, ok: handled };
      });
      await own.settle(ctx, client);
    });
  } finally {
    await burst.close();
  }
  await recordAliveAfter(ctx);
};
