/**
 * Before a run: probe the target once, mark every case whose needs it lacks as not applicable (a
 * skip with the reason, never a failure), and hand the cases that apply what they need beside the
 * target: the upstream fault proxy's control URL, and how to restart the target (its supervisor,
 * or the user's restart hook; a command hook goes through a relay on this host).
 */
import { UsageError } from '../../shared/errors.js';
import { caseId } from '../../shared/model/catalogue.js';
import type { JsonValue } from '../../shared/model/testCase.js';
import { startRestartRelay, type RestartRelay } from '../cluster/restartRelay.js';
import type { SelectedCase } from '../run/request.js';
import type { TargetCapability } from '../../shared/model/capabilities.js';
import { lackingOf, notApplicableReason, probeTarget, type TargetProbe } from './targetProbe.js';

type RestartHook = { command: string[] } | { url: string } | 'process';

const HOOK_EXPECTED =
  '"process", {"command": ["program", "arg", ...]} (run on the coordinator host) or {"url": "http://..."}';

/** The `restart` parameter of the cases that need a restart, checked; undefined when none is set. */
export function configuredRestartHook(cases: readonly SelectedCase[]): RestartHook | undefined {
  for (const c of cases) {
    if (!c.definition.targetNeeds?.includes('restart')) continue;
    const raw = c.settings.params.restart;
    if (raw === undefined) continue;
    const where = `suites.${caseId(c.definition)}.params.restart`;
    if (raw === 'process') return raw;
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      const { command, url } = raw as Record<string, JsonValue>;
      if (
        Object.keys(raw).length === 1 &&
        Array.isArray(command) &&
        command.length > 0 &&
        command.every((a) => typeof a === 'string' && a.length > 0)
      )
        return { command: command as string[] };
      if (Object.keys(raw).length === 1 && typeof url === 'string' && /^https?:\/\//.test(url))
        return { url };
    }
    throw new UsageError(`${where}: expected ${HOOK_EXPECTED}, got ${JSON.stringify(raw).slice(0, 100)}`);
  }
  return undefined;
}

/** The hook as the probe reports it; undefined for the target's own supervisor. */
export function describeHook(hook: RestartHook | undefined): string | undefined {
  if (hook === undefined || hook === 'process') return undefined;
  return 'command' in hook ? `command ${hook.command.join(' ')}` : `url ${hook.url}`;
}

export interface PreparedCases {
  cases: SelectedCase[];
  /** Case id -> why it does not apply to this target, and the capabilities it lacks. */
  notApplicable: Map<string, { reason: string; lacking: TargetCapability[] }>;
  /** Absent when no case needed anything of the target. */
  probe?: TargetProbe;
  close(): Promise<void>;
}

function withParams(c: SelectedCase, params: Record<string, JsonValue>): SelectedCase {
  return { ...c, settings: { ...c.settings, params: { ...c.settings.params, ...params } } };
}

export async function prepareCases(
  cases: readonly SelectedCase[],
  target: string,
  options: { upstream?: string; log: (line: string) => void },
): Promise<PreparedCases> {
  const hook = configuredRestartHook(cases);
  // Nothing to probe for (ad-hoc load, thermal cases): the user's URL is not sent admin probes.
  if (!cases.some((c) => (c.definition.targetNeeds ?? []).length > 0))
    return { cases: [...cases], notApplicable: new Map(), close: async () => undefined };
  const probe = await probeTarget(target, { upstream: options.upstream, restartHook: describeHook(hook) });
  if (!probe.reachable)
    options.log(
      `warning: the target did not answer the capability probe (${probe.unreachableReason}); running every case`,
    );
  const notApplicable: PreparedCases['notApplicable'] = new Map();
  let relay: RestartRelay | undefined;
  const prepared: SelectedCase[] = [];
  for (const c of cases) {
    const reason = notApplicableReason(probe, c.definition.targetNeeds);
    if (reason)
      notApplicable.set(caseId(c.definition), {
        reason,
        lacking: lackingOf(probe, c.definition.targetNeeds),
      });
    const needs = c.definition.targetNeeds ?? [];
    const extra: Record<string, JsonValue> = {};
    if (needs.includes('upstream') && options.upstream) extra.upstreamControl = options.upstream;
    if (needs.includes('restart') && !reason) {
      if (hook !== undefined && hook !== 'process' && 'command' in hook) {
        relay ??= await startRestartRelay(hook.command, options.log);
        extra.restart = { url: relay.url };
      } else extra.restart = hook ?? 'process';
    }
    prepared.push(Object.keys(extra).length > 0 ? withParams(c, extra) : c);
  }
  return { cases: prepared, notApplicable, probe, close: async () => relay?.close() };
}
