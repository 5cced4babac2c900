/**
 * Entry of a target process started by the supervisor: options and supervision facts arrive in
 * STAMPEDE_TARGET_CHILD (JSON), the listening line goes to stdout, and the process ends when the
 * supervisor goes away (its IPC channel closes), so no target outlives its supervisor.
 */
import { z } from 'zod';
import { runMain, UsageError } from './cliSupport.js';
import { InvalidOptionsError, resolveOptions, type TargetOptions } from './options.js';
import { CHILD_ENV, supervisionSchema, type Supervision } from './processInfo.js';
import { startTarget } from './server.js';

const childSchema = z.object({ options: z.record(z.unknown()), supervision: supervisionSchema }).strict();
type ChildCommand = { options: Partial<TargetOptions>; supervision: Supervision };

function parseChildEnv(): ChildCommand {
  let parsed: z.infer<typeof childSchema>;
  try {
    parsed = childSchema.parse(JSON.parse(process.env[CHILD_ENV] ?? ''));
  } catch (error) {
    throw new UsageError(
      `${CHILD_ENV}: not a supervisor's message (${(error as Error).message.slice(0, 200)})`,
    );
  }
  try {
    resolveOptions({ ...parsed.options, log: () => undefined });
  } catch (error) {
    if (error instanceof InvalidOptionsError) throw new UsageError(`${CHILD_ENV}: ${error.message}`);
    throw error;
  }
  return { options: parsed.options as Partial<TargetOptions>, supervision: parsed.supervision };
}

runMain('stampede-target', '', parseChildEnv, async ({ options, supervision }) => {
  const target = await startTarget(options, supervision);
  process.once('disconnect', () => void target.close().then(() => process.exit(0)));
  return { line: `stampede-target listening on ${target.url}`, close: () => target.close() };
});
