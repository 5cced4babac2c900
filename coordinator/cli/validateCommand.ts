/**
 * `coordinator validate FILE`: checks a config file (JSON or YAML) exactly as `run --config FILE`
 * would, without starting anything. Exit 0 when valid (with a summary and any warnings), 2 with
 * every problem named by its path.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../shared/config/config.js';
import { EXIT } from '../../shared/errors.js';

export function validateFile(file: string): { summary: string; warnings: string[] } {
  const config = loadConfig([file]);
  const bySuite = new Map<string, string[]>();
  for (const c of config.custom)
    bySuite.set(c.suite, [
      ...(bySuite.get(c.suite) ?? []),
      `${c.name} (${c.scenario}${c.quick ? ', quick' : ''})`,
    ]);
  const suites = [...bySuite].map(([suite, cases]) => `  ${suite}: ${cases.join(', ')}`);
  const summary =
    suites.length > 0
      ? `${file}: valid; ${config.custom.length} custom case(s) in ${bySuite.size} suite(s):\n${suites.join('\n')}\n  run them with: coordinator run --config ${file} ${[...bySuite.keys()].map((s) => `--suite ${s}`).join(' ')}`
      : `${file}: valid; no custom suites (it only changes built-in cases)`;
  return { summary, warnings: config.warnings };
}

export function addValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'check a config file (JSON or YAML) without running it: exit 0 when valid, 2 listing every problem',
    )
    .argument('<file>', 'the config file, as given to run --config')
    .action((file: string) => {
      const { summary, warnings } = validateFile(file);
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`${summary}\n`);
      process.exit(EXIT.ok);
    });
}
