/**
 * `stampede-target`: runs the reference target until SIGTERM or SIGINT. Stdout carries exactly one
 * line, the listening address, so a parent process can read it; everything else goes to stderr.
 */
import { parseTargetArgs, USAGE, UsageError } from './cliArgs.js';
import { startTarget } from './server.js';

const USAGE_EXIT_CODE = 2;

async function main(): Promise<void> {
  let command;
  try {
    command = parseTargetArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`stampede-target: ${error.message}\n`);
    process.exit(USAGE_EXIT_CODE);
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const target = await startTarget(command.options);
  const stop = (): void => {
    void target.close().then(() => process.exit(0));
  };
  // Before the listening line: a parent may signal as soon as it reads it.
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`stampede-target listening on ${target.url}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`stampede-target: ${(error as Error).message ?? String(error)}\n`);
  process.exit(1);
});
