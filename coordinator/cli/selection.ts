/**
 * Turning `--all | --quick | --suite NAME… [--no-thermal]` into the suites and cases to run, with
 * a note for every suite left out. Suites a config file adds count like the built-in ones; `--quick`
 * takes their cases marked `"quick": true`.
 */
import {
  CATALOGUE,
  QUICK_SUITES,
  SUITES,
  isSuiteName,
  type SuiteName,
  type TestCaseDefinition,
} from '../../shared/model/catalogue.js';
import { settingsOf, type StressConfig } from '../../shared/config/config.js';
import { UsageError } from '../../shared/errors.js';
import type { SelectedCase } from '../run/request.js';

export interface SelectionFlags {
  all?: boolean;
  quick?: boolean;
  suite?: string[];
  thermal: boolean;
}

export interface Selection {
  mode: string;
  suites: SuiteName[];
  skipped: { suite: string; reason: string }[];
  /** True when thermal was asked for by name: then a missing thermal agent fails the run. */
  requireThermal: boolean;
}

export function resolveSelection(
  flags: SelectionFlags,
  custom: readonly TestCaseDefinition[] = [],
): Selection {
  const customSuites = [...new Set(custom.map((c) => c.suite))];
  const quickCustom = customSuites.filter((s) => custom.some((c) => c.suite === s && c.quick));
  const allSuites: SuiteName[] = [...SUITES, ...customSuites];
  const modes = [flags.all && '--all', flags.quick && '--quick', flags.suite?.length && '--suite'].filter(
    Boolean,
  );
  if (modes.length === 0)
    throw new UsageError('choose what to run: --all, --quick or --suite NAME (repeatable)');
  if (modes.length > 1) throw new UsageError(`${modes.join(' and ')} cannot be combined; choose one`);
  const skipped: Selection['skipped'] = [];
  let suites: SuiteName[];
  let mode: string;
  if (flags.all) [suites, mode] = [allSuites, 'all'];
  else if (flags.quick) {
    [suites, mode] = [[...QUICK_SUITES, ...quickCustom], 'quick'];
    for (const s of allSuites)
      if (!suites.includes(s)) skipped.push({ suite: s, reason: 'not a quick suite' });
  } else {
    const unknown = flags.suite!.filter((s) => !allSuites.includes(s));
    if (unknown.length > 0)
      throw new UsageError(
        `--suite: unknown suite ${unknown.map((u) => `"${u}"`).join(', ')}; valid suites: ${allSuites.join(', ')}`,
      );
    [suites, mode] = [[...new Set(flags.suite as SuiteName[])], 'suite'];
  }
  const requireThermal = mode === 'suite' && suites.includes('thermal') && flags.thermal;
  if (!flags.thermal && suites.includes('thermal')) {
    suites = suites.filter((s) => s !== 'thermal');
    skipped.push({ suite: 'thermal', reason: '--no-thermal' });
  }
  if (suites.length === 0) throw new UsageError('nothing left to run after --no-thermal');
  return { mode, suites, skipped, requireThermal };
}

export function selectedCases(selection: Selection, config: StressConfig): SelectedCase[] {
  const quickOnly = (c: TestCaseDefinition) => selection.mode !== 'quick' || isSuiteName(c.suite) || c.quick;
  return [...CATALOGUE, ...config.custom]
    .filter((c) => selection.suites.includes(c.suite) && quickOnly(c))
    .map((definition) => ({
      definition,
      settings: settingsOf(config, definition),
    }));
}
