/** Fault switches at run time, the state file's status, and the in-process restart. */
import { z } from 'zod';
import { faultSwitchesSchema } from '../faultSwitches.js';
import { ok, type Route } from '../router.js';

const faultChangesSchema = faultSwitchesSchema.partial();
const restartRequestSchema = z.object({ corruptState: z.enum(['truncate', 'garbage']).optional() }).strict();

export const adminRoutes: Route[] = [
  { method: 'GET', path: '/admin/faults', control: true, handle: ({ runtime }) => ok({ ...runtime.faults }) },
  {
    method: 'POST',
    path: '/admin/faults',
    control: true,
    handle: async ({ body, runtime }) => ok(runtime.updateFaults(await body(faultChangesSchema))),
  },
  {
    method: 'GET',
    path: '/admin/state',
    control: true,
    handle: ({ runtime }) =>
      ok({ lastLoad: runtime.lastLoad, lastSave: runtime.lastSave, savePending: runtime.savePending }),
  },
  {
    method: 'POST',
    path: '/admin/restart',
    control: true,
    async handle({ body, runtime }) {
      const { corruptState } = await body(restartRequestSchema, { optional: true });
      const lastLoad = await runtime.restart(corruptState);
      const { sessions, config } = runtime.state;
      return ok({ restarted: true, lastLoad, sessions: sessions.live, configVersion: config.version });
    },
  },
];
