/**
 * The one place a CLI turns an error into a line on stderr and an exit code: commander's own
 * usage errors exit 2 (it has printed them), StampedeErrors print their message, anything else
 * is a bug and prints its stack.
 */
import type { Command } from 'commander';
import { EXIT, StampedeError, exitCodeOf } from '../errors.js';

export async function runCli(program: Command, name: string): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.help' || code === 'commander.version')
      process.exit(EXIT.ok);
    if (typeof code === 'string' && code.startsWith('commander.')) process.exit(EXIT.usage);
    const message =
      error instanceof StampedeError ? error.message : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(exitCodeOf(error));
  }
}
