/**
 * The coordinator CLI: `run` (stress suites), `load` (ad-hoc distributed HTTP load), `agents`
 * (the live roster) and `check-target` (what a service offers of the target API). Exit codes are
 * the table in shared/errors.ts (0 all thresholds held, 1 some failed, 2 usage or config error,
 * 3 the cluster failed, 4 internal error, 130 interrupted).
 */
import { Command } from 'commander';
import { runCli } from '../../shared/cli/main.js';
import { registerAgentsCommand } from './agentsCommand.js';
import { registerCheckTargetCommand } from './checkTargetCommand.js';
import { addInitCommand } from './initCommand.js';
import { addValidateCommand } from './validateCommand.js';
import { registerLoadCommand } from './loadCommand.js';
import { registerRunCommand } from './runCommand.js';

const program = new Command('coordinator')
  .description(
    'stampede coordinator: splits stress suites into shards, runs them on agents over NATS JetStream, merges one report',
  )
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');

registerRunCommand(program);
registerLoadCommand(program);
registerAgentsCommand(program);
registerCheckTargetCommand(program);
addInitCommand(program);
addValidateCommand(program);

await runCli(program, 'coordinator');
