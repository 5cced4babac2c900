/** The run-time config document: read it, or replace it whole. */
import { targetConfigSchema } from '../config.js';
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
      const next = await body(targetConfigSchema, { invalidCode: 'invalid_config' });
      const { config } = runtime.state;
      config.replace(next);
      return ok({ version: config.version, config: config.current });
    },
  },
];
