/** The run-time config document: read it, or replace it whole. */
import { z } from 'zod';
import { targetConfigSchema } from '../config.js';
import { validationError } from '../httpErrors.js';
import { ok, type Route } from '../router.js';

export const configRoutes: Route[] = [
  {
    method: 'GET',
    path: '/config',
    handle: ({ runtime }) =>
      ok({ version: runtime.state.config.version, config: runtime.state.config.current }),
  },
  {
    method: 'POST',
    path: '/config',
    async handle({ body, runtime }) {
      // Validated whole before anything changes, so a rejected document leaves the old one in force.
      const document = await body(z.unknown());
      const next = targetConfigSchema.safeParse(document);
      const { config } = runtime.state;
      if (next.success) config.replace(next.data);
      else if (runtime.faults.acceptBadConfig && isPlainObject(document)) config.applyUnchecked(document);
      else throw validationError(next.error, 'invalid_config');
      return ok({ version: config.version, config: config.current });
    },
  },
];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
