/**
 * The sessions a case opens on the target, tracked so that, once it has deleted them all, the
 * target's live count can be compared with what it was before: whatever is still counted live
 * beyond the sessions the target evicted itself was kept by the target and never given back.
 *
 *   leaked = (live after - live before) + (evicted after - evicted before) - own sessions evicted
 *
 * Own sessions the target evicted show as a session created again under an id still held, or as a
 * 404 to the final delete. A target that reports no `evictedTotal` is taken to have evicted none of
 * the others', which can only under-count a leak, never invent one.
 */
import type { ScenarioContext } from '../../../shared/model/scenario.js';
import type { TargetClient } from '../../http/client.js';
import { prepare, send } from '../../http/targetClient.js';
import { readJson } from './target.js';

interface Counts {
  live: number;
  evicted: number;
}

async function counts(ctx: ScenarioContext): Promise<Counts> {
  const doc = await readJson(ctx, '/sessions');
  if (typeof doc.live !== 'number')
    throw new Error(`GET /sessions: expected a number in "live", got ${JSON.stringify(doc.live)}`);
  return { live: doc.live, evicted: typeof doc.evictedTotal === 'number' ? doc.evictedTotal : 0 };
}

export class OwnSessions {
  private readonly held = new Set<string>();
  private ownEvicted = 0;

  private constructor(private readonly before: Counts) {}

  static async open(ctx: ScenarioContext): Promise<OwnSessions> {
    return new OwnSessions(await counts(ctx));
  }

  /** A prompt used session `id`; `created` when the target said it opened it. */
  used(id: string, created: boolean): void {
    if (created && this.held.has(id)) this.ownEvicted += 1;
    this.held.add(id);
  }

  deleted(id: string): void {
    this.held.delete(id);
  }

  /** Deletes every session still held and sets the gauge `sessionsLeaked`. */
  async settle(ctx: ScenarioContext, client: TargetClient): Promise<void> {
    for (const id of this.held) {
      const answer = await send(client, prepare(client, { method: 'DELETE', path: `/sessions/${id}` }));
      if (answer.status === 404) this.ownEvicted += 1;
      else if (answer.status !== 200) ctx.error(`DELETE /sessions/:id answered ${answer.status}`);
    }
    this.held.clear();
    const after = await counts(ctx);
    const leaked = after.live - this.before.live + (after.evicted - this.before.evicted) - this.ownEvicted;
    ctx.gauge('sessionsLeaked', Math.max(0, leaked));
  }
}
