/** Fault switches at run time, the state file's status, the in-process restart and the process restart. */
import { z } from 'zod';
import { faultSwitchesSchema } from '../faultSwitches.js';
import { HttpError } from '../httpErrors.js';
import { memoryReport } from '../memory.js';
import { RESTART_EXIT_CODE } from '../processInfo.js';
import { ok, type Route } from '../router.js';
import type { TargetRuntime } from '../runtime.js';
import { corruptStateFile, type Corruption } from '../stateFile.js';

const faultChangesSchema = faultSwitchesSchema.partial();
const corruptState = z.enum(['truncate', 'garbage']).optional();
const restartRequestSchema = z.object({ corruptState }).strict();
const processRestartSchema = z
  .object({
    corruptState,
    /** exit: save the state, then exit. kill: SIGKILL itself, as a crash would (changes of the last 200 ms may be lost). */
    how: z.enum(['exit', 'kill']).default('exit'),
  })
  .strict();

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
  {
    method: 'POST',
    path: '/admin/restart-process',
    control: true,
    async handle({ body, runtime }) {
      const { corruptState, how } = await body(processRestartSchema, { optional: true });
      if (!runtime.process.supervised) {
        throw new HttpError(
          409,
          'not_supervised',
          'no supervisor would start this target again; run it with --supervised (or startSupervisedTarget)',
        );
      }
      return {
        status: 202,
        json: { exiting: true, pid: runtime.process.pid, how, corruptState: corruptState ?? null },
        afterReply: () => void exitProcess(runtime, how, corruptState),
      };
    },
  },
  {
    method: 'GET',
    path: '/admin/memory',
    control: true,
    handle: ({ query, runtime }) => ok(memoryReport(query.get('gc') === '1', runtime.leaked.bytes)),
  },
];

/** Ends this process for the supervisor to start again, damaging the state file first when asked. */
async function exitProcess(
  runtime: TargetRuntime,
  how: 'exit' | 'kill',
  corruption?: Corruption,
): Promise<void> {
  try {
    if (how === 'exit') await runtime.flushState();
    if (corruption) await corruptStateFile(runtime.stateFile, corruption);
  } finally {
    runtime.options.log(
      `stampede-target: exiting for a restart (${how}${corruption ? `, state ${corruption}` : ''})`,
    );
    if (how === 'kill') process.kill(process.pid, 'SIGKILL');
    else process.exit(RESTART_EXIT_CODE);
  }
}
