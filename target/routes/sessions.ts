/** Session inspection, deletion, and deliberate corruption (for the session-corruption case). */
import { HttpError, notFound } from '../httpErrors.js';
import { ok, type Route, type RouteContext } from '../router.js';
import { sessionIdSchema } from '../sessions.js';

export const sessionRoutes: Route[] = [
  {
    method: 'GET',
    path: '/sessions',
    handle({ runtime }) {
      const { sessions, config } = runtime.state;
      return ok({
        live: sessions.live,
        peak: sessions.peak,
        max: config.current.maxSessions,
        evictedTotal: sessions.evictedTotal,
        cleanup: !runtime.faults.noSessionCleanup,
      });
    },
  },
  {
    method: 'GET',
    path: '/sessions/:id',
    handle(ctx) {
      const id = sessionIdParam(ctx);
      const session = ctx.runtime.state.sessions.get(id);
      if (!session) throw sessionNotFound(id);
      return ok(session);
    },
  },
  {
    method: 'DELETE',
    path: '/sessions/:id',
    handle(ctx) {
      const id = sessionIdParam(ctx);
      if (!ctx.runtime.state.sessions.delete(id)) throw sessionNotFound(id);
      return ok({ deleted: true, id });
    },
  },
  {
    method: 'POST',
    path: '/admin/sessions/:id/corrupt',
    control: true,
    handle(ctx) {
      const id = sessionIdParam(ctx);
      if (!ctx.runtime.state.sessions.corrupt(id)) throw sessionNotFound(id);
      return ok({ corrupted: true, id });
    },
  },
];

function sessionIdParam({ params }: RouteContext): string {
  const parsed = sessionIdSchema.safeParse(params.id);
  if (!parsed.success)
    throw new HttpError(400, 'invalid_session_id', `session id: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function sessionNotFound(id: string): HttpError {
  return notFound('session_not_found', `no live session "${id}"`);
}
