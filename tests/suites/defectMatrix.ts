/**
 * The defect matrix: for every non-thermal case, what it proves, the defect switch of the
 * reference target (target/README.md, "Deliberate faults") that breaks it, and the cause the
 * failure analysis must name. Defect runs group switches that break different cases of one suite
 * (a switch never touches another row of its run), so one run proves several rows; the cases of a
 * run that no switch of it targets are either asserted to pass or, where a switch also breaks
 * them, tuned down and not asserted. Loads are tuned down here (never the assertions) to fit CI.
 */
import assert from 'node:assert/strict';
import { withTargetStack, type TargetStack } from './faultyTargets.js';
import {
  assertFailedWith,
  caseOf,
  runSuiteAgainst,
  type SuiteOverrides,
  type SuiteRun,
} from './suiteRuns.js';

export interface MatrixRow {
  id: string;
  proves: string;
  /** The switch that plants the defect this case exists to catch. */
  breaksWith: string[];
  cause: string;
}

export const MATRIX: readonly MatrixRow[] = [
  {
    id: 'concurrency.high_concurrent_requests',
    proves: '50 simultaneous prompts: >= 90% answered, mean < 1 s',
    breaksWith: ['--slow-ms', '1200'],
    cause: 'slow responses',
  },
  {
    id: 'concurrency.session_overflow',
    proves: 'live sessions sampled during 200+ concurrent new sessions, and the peak, stay within the cap',
    breaksWith: ['--session-sweep-ms', '60000'],
    cause: 'session cap broken',
  },
  {
    id: 'concurrency.provider_cascade_failures',
    proves: 'the fallback chain answers while the primary, then the secondary go down',
    breaksWith: ['--no-fallback'],
    cause: 'fallback not used',
  },
  {
    id: 'memory.large_file_processing',
    proves: '1, 5 and 10 MB inputs answered with their size and digest intact',
    breaksWith: ['--max-body-bytes', '4194304'],
    cause: 'large inputs not handled',
  },
  {
    id: 'memory.memory_leak_prevention',
    proves: 'the heap after a full GC grows < 2 KiB per operation (4 KiB payloads)',
    breaksWith: ['--leak-bytes-per-request', '4096'],
    cause: 'memory trend',
  },
  {
    id: 'memory.resource_exhaustion',
    proves: 'inputs past the limit refused with a 4xx, the target still up',
    breaksWith: ['--crash-on-malformed'],
    cause: 'target crashed',
  },
  {
    id: 'network.timeout_cascades',
    proves: 'providers timing out one after another on the provider path: fallback answers, mean < 3 s',
    breaksWith: ['--no-fallback'],
    cause: 'fallback not used',
  },
  {
    id: 'network.intermittent_connectivity',
    proves: "30% of the target's provider calls fail: >= 90% answered (its retries)",
    breaksWith: ['--no-provider-retry'],
    cause: 'provider failures not retried',
  },
  {
    id: 'network.provider_health_oscillation',
    proves: 'providers oscillating on the provider path: >= 95% answered by the fallback',
    breaksWith: ['--no-fallback'],
    cause: 'fallback not used',
  },
  {
    id: 'edges.malformed_input_stress',
    proves: '>= 15 malformed kinds answered 4xx, <= 3 unhandled, the process never restarted',
    breaksWith: ['--crash-on-malformed'],
    cause: 'target crashed',
  },
  {
    id: 'edges.resource_exhaustion',
    proves: 'held slow connections not cut by the target, new clients still served',
    breaksWith: ['--max-open-connections', '64'],
    cause: 'connections cut at a limit',
  },
  {
    id: 'edges.unicode_and_binary',
    proves: 'unicode prompts, binary files and unicode paths come back unchanged',
    breaksWith: ['--echo-mangles-unicode'],
    cause: 'data corrupted',
  },
  {
    id: 'limits.config_edge_cases',
    proves: 'malformed config documents refused, the config in force unchanged (read back)',
    breaksWith: ['--accept-bad-config'],
    cause: 'malformed input accepted',
  },
  {
    id: 'limits.provider_switching',
    proves: 'every primary switch in force when the chain is read back; answers from the switched providers',
    breaksWith: ['--ignore-primary-switch'],
    cause: 'primary switch ignored',
  },
  {
    id: 'limits.session_boundaries',
    proves: 'bad ids refused, concurrent turns all counted, live sessions back where they were',
    breaksWith: ['--session-leak-on-corrupt'],
    cause: 'sessions leaked',
  },
  {
    id: 'limits.tool_registry_overload',
    proves: 'concurrent tool calls correct; every appended record in the file, whole and once',
    breaksWith: ['--torn-tool-appends'],
    cause: 'appends torn',
  },
  {
    id: 'limits.system_recovery',
    proves: 'real process restarts (exit, kill, corrupted state file): sessions kept, damage detected',
    breaksWith: ['--lose-state-on-restart'],
    cause: 'state lost on restart',
  },
];

/** Case loads tuned down for CI, per suite; every defect run of a suite starts from them. */
export const SHORT: Record<string, SuiteOverrides> = {
  concurrency: {
    high_concurrent_requests: { load: { requests: 100 } },
    provider_cascade_failures: { load: { durationMs: 3000 } },
  },
  memory: {
    large_file_processing: { load: { requests: 3 } },
    memory_leak_prevention: { load: { requests: 300 }, params: { warmupOps: 300 } },
    resource_exhaustion: { load: { requests: 3 } },
  },
  network: {
    timeout_cascades: { load: { durationMs: 3000 } },
    intermittent_connectivity: { load: { requests: 200 } },
    provider_health_oscillation: { load: { durationMs: 2000 } },
  },
  edges: {
    malformed_input_stress: { load: { requests: 58 } },
    resource_exhaustion: { load: { durationMs: 2000 }, params: { heldConnections: 256 } },
    unicode_and_binary: { load: { requests: 30 } },
  },
  limits: {
    config_edge_cases: { load: { requests: 21 } },
    provider_switching: { load: { durationMs: 2000 } },
    session_boundaries: { load: { requests: 22 } },
    tool_registry_overload: { load: { connections: 30, requests: 60 } },
    system_recovery: { load: { requests: 4 } },
  },
};

export interface DefectRun {
  suite: string;
  /** Matrix rows this run proves; the target gets the union of their switches. */
  rows: string[];
  /** Extra target flags (not defects): e.g. a longer restart delay. */
  extraArgs?: string[];
  /** Cases of the suite that must still pass: the switches are specific to their rows. */
  stillPass?: string[];
  /** Loads tuned further for cases this run does not judge. */
  overrides?: SuiteOverrides;
  /** A row's cause overridden for this run (two switches at once). */
  also?: (run: SuiteRun, target: TargetStack) => Promise<void>;
}

export const row = (id: string): MatrixRow => {
  const found = MATRIX.find((r) => r.id === id);
  assert.ok(found, `no matrix row ${id}`);
  return found;
};

const merge = (a: SuiteOverrides, b: SuiteOverrides = {}): SuiteOverrides =>
  Object.fromEntries(
    [...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, { ...a[k], ...b[k] }]),
  );

export function switchesOf(run: DefectRun): string[] {
  return [...run.rows.flatMap((id) => row(id).breaksWith), ...(run.extraArgs ?? [])];
}

/** Starts the defective target, runs the suite, and asserts every row and every case that must pass. */
export async function proveDefects(defects: DefectRun): Promise<void> {
  await withTargetStack(switchesOf(defects), async (target) => {
    const run = await runSuiteAgainst(defects.suite, merge(SHORT[defects.suite], defects.overrides), target);
    for (const id of defects.rows) assertFailedWith(run, id, row(id).cause);
    for (const id of defects.stillPass ?? [])
      assert.equal(
        caseOf(run, id).verdict,
        'passed',
        `${id} is not broken by ${switchesOf(defects).join(' ')}`,
      );
    await defects.also?.(run, target);
  });
}

/** The README's matrix table, from the rows above. */
export function matrixTable(): string {
  const lines = [
    '| case | what it proves | the switch that breaks it | cause named |',
    '| --- | --- | --- | --- |',
  ];
  for (const r of MATRIX)
    lines.push(`| ${r.id} | ${r.proves} | \`${r.breaksWith.join(' ')}\` | ${r.cause} |`);
  return lines.join('\n');
}
