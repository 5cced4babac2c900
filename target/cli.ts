/**
 * `stampede-target`: runs the reference target until SIGTERM or SIGINT, with --supervised under the
 * supervisor (which starts it again whenever it exits). Stdout carries exactly one line, the
 * listening address, so a parent process can read it; everything else goes to stderr.
 */
import { parseTargetArgs, USAGE, type CliCommand } from './cliArgs.js';
import { runMain } from './cliSupport.js';
import { startTarget } from './server.js';
import { startSupervisedTarget } from './supervisor.js';

type StartCommand = Extract<CliCommand, { kind: 'start' }>;

runMain(
  'stampede-target',
  USAGE,
  (argv) => {
    const command = parseTargetArgs(argv);
    return command.kind === 'help' ? null : command;
  },
  async ({ options, supervised }: StartCommand) => {
    const target = supervised
      ? await startSupervisedTarget({
          ...options,
          ...supervised,
          onGiveUp: () => process.exit(1),
        })
      : await startTarget(options);
    return { line: `stampede-target listening on ${target.url}`, close: () => target.close() };
  },
);
