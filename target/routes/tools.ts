/** The tool registry over HTTP. */
import { z } from 'zod';
import { ok, type Route } from '../router.js';

const executeRequestSchema = z
  .object({ tool: z.string().min(1).max(64), args: z.unknown().optional() })
  .strict();

export const toolRoutes: Route[] = [
  { method: 'GET', path: '/tools', handle: ({ runtime }) => ok({ tools: runtime.tools.list() }) },
  {
    method: 'POST',
    path: '/tools/execute',
    async handle({ body, runtime }) {
      const { tool, args } = await body(executeRequestSchema, { large: true });
      const started = performance.now();
      const result = await runtime.tools.execute(tool, args);
      return ok({ tool, ms: Math.round(performance.now() - started), result });
    },
  },
];
