/**
 * `coordinator check-target URL`: the capability probe a run makes before its cases, on its own.
 * Prints what the target offers of the stampede target API (target/README.md) and which built-in
 * cases apply to it; those that do not would be skipped as not applicable, never failed. Exit 0
 * when the target answered, 3 when it did not answer at all.
 */
import type { Command } from 'commander';
import { httpUrl, collect } from '../../shared/cli/flags.js';
import { loadConfig, settingsOf } from '../../shared/config/config.js';
import { EXIT } from '../../shared/errors.js';
import { CAPABILITY_INFO, TARGET_CAPABILITIES } from '../../shared/model/capabilities.js';
import { CATALOGUE, caseId } from '../../shared/model/catalogue.js';
import { configuredRestartHook, describeHook } from '../probe/applicability.js';
import { notApplicableReason, probeTarget, type TargetProbe } from '../probe/targetProbe.js';

interface CheckFlags {
  upstream?: string;
  config?: string[];
  json?: boolean;
}

function table(probe: TargetProbe): string[] {
  const width = Math.max(...TARGET_CAPABILITIES.map((c) => c.length));
  const lines = [`capabilities of ${probe.target}:`];
  for (const c of TARGET_CAPABILITIES) {
    const f = probe.capabilities[c];
    lines.push(`  ${f.present ? 'yes' : 'NO '}  ${c.padEnd(width)}  ${CAPABILITY_INFO[c].needs}`);
    lines.push(`       ${' '.repeat(width)}  ${f.detail}`);
  }
  lines.push('', 'built-in cases:');
  for (const d of CATALOGUE) {
    const reason = notApplicableReason(probe, d.targetNeeds);
    const lacking = (d.targetNeeds ?? []).filter((c) => !probe.capabilities[c].present);
    lines.push(
      `  ${reason ? 'not applicable' : 'applies       '}  ${caseId(d)}${reason ? ` (lacks ${lacking.join(', ')})` : ''}`,
    );
  }
  lines.push('', 'what each capability means: target/README.md (the section named beside it in --json)');
  return lines;
}

export function registerCheckTargetCommand(program: Command): void {
  program
    .command('check-target')
    .description('probe a service for the target API the suites use and list the cases that apply to it')
    .argument('<url>', 'the service under test', httpUrl('URL'))
    .option(
      '--upstream <url>',
      'control URL of the upstream fault proxy in front of its providers',
      httpUrl('--upstream'),
    )
    .option('--config <file>', 'config layered over the defaults, for a restart hook (repeatable)', collect)
    .option('--json', 'print the probe as JSON')
    .action(async (url: string, flags: CheckFlags) => {
      const config = loadConfig(flags.config ?? []);
      const cases = CATALOGUE.map((definition) => ({ definition, settings: settingsOf(config, definition) }));
      const restartHook = describeHook(configuredRestartHook(cases));
      const probe = await probeTarget(url, { upstream: flags.upstream, restartHook });
      if (flags.json) {
        const readme = Object.fromEntries(TARGET_CAPABILITIES.map((c) => [c, CAPABILITY_INFO[c]]));
        process.stdout.write(`${JSON.stringify({ ...probe, about: readme }, null, 2)}\n`);
      } else process.stdout.write(`${table(probe).join('\n')}\n`);
      if (!probe.reachable) {
        process.stderr.write(`error: ${url} did not answer (${probe.unreachableReason})\n`);
        process.exit(EXIT.cluster);
      }
      process.exit(EXIT.ok);
    });
}
