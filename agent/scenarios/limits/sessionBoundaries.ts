/**
 * limits.session_boundaries: session ids the target must not trust — malformed, unknown, reused
 * by concurrent requests, deleted then reused, and sessions whose stored history was corrupted
 * behind the target's back (through its admin hook). Each kind has the answer it must get: a 4xx
 * for a malformed id, a fresh session for an unknown or deleted one, a reset (recovered) session
 * for a corrupted one. A corrupted session served as if intact is counted on its own.
 */
import type { Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import type { TargetClient } from '../../http/client.js';
import { attemptInput } from '../support/inputs.js';
import { adminCall, recordAliveAfter, requireRoute } from '../support/target.js';
import { prepare, send, withClient, type Answer } from '../../http/targetClient.js';
import { isRecord, jsonOf } from '../support/json.js';

type Verdict = { answer: Answer; handled: boolean; corruptServed?: boolean };
/** One input kind; `slot` goes with every request after an operation's first (see HttpRequest.lane). */
type Kind = (index: number, slot: number) => Promise<Verdict>;

const isClientError = (a: Answer) => a.status >= 400 && a.status < 500;

function processAs(client: TargetClient, sessionId: unknown) {
  return prepare(client, { path: '/process', json: { prompt: 'Continue the session.', sessionId } });
}

/** A prompt in session `id`; resolves with the answer and its JSON body. */
async function prompt(
  client: TargetClient,
  id: string,
  slot?: number,
): Promise<{ answer: Answer; body: Record<string, unknown> }> {
  const answer = await send(client, processAs(client, id), slot);
  const body = jsonOf(answer.text);
  return { answer, body: isRecord(body) ? body : {} };
}

function kinds(ctx: ScenarioContext, client: TargetClient, prefix: string): [string, Kind][] {
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
        const { answer, body } = await prompt(client, `${prefix}-new-${i}`);
        return { answer, handled: answer.status === 200 && body.sessionCreated === true };
      },
    ],
    [
      'reused_id_concurrently',
      async () => {
        const { answer, body } = await prompt(client, `${prefix}-shared`);
        return { answer, handled: answer.status === 200 && typeof body.turn === 'number' && body.turn >= 1 };
      },
    ],
    [
      'deleted_then_reused',
      async (i, slot) => {
        const id = `${prefix}-deleted-${i}`;
        await prompt(client, id);
        const remove = prepare(client, { method: 'DELETE', path: `/sessions/${id}` });
        const deleted = await send(client, remove, slot);
        if (deleted.status !== 200) return { answer: deleted, handled: false };
        const { answer, body } = await prompt(client, id, slot);
        return { answer, handled: answer.status === 200 && body.sessionCreated === true };
      },
    ],
    [
      'corrupted_history',
      async (i, slot) => {
        const id = `${prefix}-corrupt-${i}`;
        await prompt(client, id);
        await adminCall(ctx, `/admin/sessions/${id}/corrupt`, {}, slot);
        const { answer, body } = await prompt(client, id, slot);
        const recovered = answer.status === 200 && body.sessionRecovered === true;
        return { answer, handled: recovered, corruptServed: answer.status === 200 && !recovered };
      },
    ],
  ];
}

export const sessionBoundariesScenario: Scenario = async (ctx) => {
  for (const name of ['handled', 'unhandled', 'corruptServed']) ctx.count(name, 0);
  const prefix = `bounds-${ctx.shard.runId}-${ctx.shard.index}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40);
  await requireRoute(ctx, 'POST', `/admin/sessions/${prefix}-probe/corrupt`);
  await withClient(ctx, async (client) => {
    const all = kinds(ctx, client, prefix);
    await ctx.runLoad(async (index, slot) => {
      const [name, kind] = all[index % all.length];
      const { answer, handled, corruptServed } = await attemptInput(ctx, name, () => kind(index, slot));
      if (handled) ctx.count('handled');
      else {
        if (answer.status >= 500) ctx.count('unhandled');
        if (corruptServed) ctx.count('corruptServed');
        ctx.error(`${name}: HTTP ${answer.status}`);
      }
      return { status: answer.status, ok: handled };
    });
  });
  await recordAliveAfter(ctx);
};
