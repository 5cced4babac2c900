/**
 * The coordinator CLI: `run` (stress suites), `load` (ad-hoc distributed HTTP load), `agents`
 * (the live roster), `check-target` (what a service offers of the target API), `init`/`validate`
 * (custom case files), `report` (re-render a saved JSON report), `compare` (two saved reports),
 * `resume` (finish a run whose coordinator died) and `runs` (the stored runs). Exit codes are the
 * table in shared/errors.ts (0 all thresholds held, 1 some failed, 2 usage or config error, 3 the
 * cluster failed, 4 internal error, 130 interrupted).
 */
import { Command } from 'commander';
import { runCli } from '../../shared/cli/main.js';
import { registerAgentsCommand } from './agentsCommand.js';
import { registerCheckTargetCommand } from './checkTargetCommand.js';
import { registerCompareCommand } from './compareCommand.js';
import { addInitCommand } from './initCommand.js';
import { registerReportCommand } from './reportCommand.js';
import { addValidateCommand } from './validateCommand.js';
import { registerLoadCommand } from './loadCommand.js';
import { registerResumeCommand } from './resumeCommand.js';
import { registerRunCommand } from './runCommand.js';
import { registerRunsCommand } from './runsCommand.js';

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
registerReportCommand(program);
registerCompareCommand(program);
registerResumeCommand(program);
registerRunsCommand(program);

await runCli(program, 'coordinator');
