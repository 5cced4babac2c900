/**
 * The capability probe: before a run, the coordinator asks the target once what it offers and the
 * cases it cannot serve are marked not applicable (applicability.ts). Every probe is a GET or an
 * OPTIONS, never a body: it changes nothing and cannot itself be malformed input to a fragile
 * target. A POST-only route counts as present when a GET is refused with 405 or its Allow header
 * lists POST; a GET route when it answers the JSON the case reads.
 */
import {
  CAPABILITY_INFO,
  TARGET_CAPABILITIES,
  type TargetCapability,
} from '../../shared/model/capabilities.js';
import { described, isAnswer, jsonObject, probe, type ProbeResult } from './probeHttp.js';

export interface CapabilityFinding {
  present: boolean;
  /** What the probe saw, in a few words. */
  detail: string;
}

export interface TargetProbe {
  target: string;
  /** False when the target did not answer at all (then nothing is marked not applicable). */
  reachable: boolean;
  unreachableReason?: string;
  capabilities: Record<TargetCapability, CapabilityFinding>;
}

export interface ProbeOptions {
  /** The upstream fault proxy's control URL (embedded, or --upstream). */
  upstream?: string;
  /** A restart hook configured for limits.system_recovery, described ("command X", "url Y"). */
  restartHook?: string;
}

const found = (detail: string): CapabilityFinding => ({ present: true, detail });
const missing = (detail: string): CapabilityFinding => ({ present: false, detail });

const allowsPost = (r: ProbeResult) => isAnswer(r) && /\bPOST\b/i.test(r.allow);

/** A POST route: GET refused with 405, or POST in the Allow header of the GET or OPTIONS answer. */
async function postRoute(base: string, path: string): Promise<CapabilityFinding> {
  const get = await probe(base, path);
  if (isAnswer(get) && ((get.status === 405 && (get.allow === '' || allowsPost(get))) || allowsPost(get)))
    return found(`GET ${path} answered ${get.status}${get.allow ? ` (Allow: ${get.allow})` : ''}`);
  const options = await probe(base, path, 'OPTIONS');
  if (allowsPost(options)) return found(`OPTIONS ${path} allows ${(options as { allow: string }).allow}`);
  return missing(
    `${described('GET', path, get)}; ${isAnswer(options) ? `OPTIONS named no POST in Allow` : described('OPTIONS', path, options)} (a POST-only route answers a GET with 405 or lists POST in Allow)`,
  );
}

/** A GET route answering a JSON object that `fits`. */
async function jsonRoute(
  base: string,
  path: string,
  expected: string,
  fits: (doc: Record<string, unknown>) => boolean,
): Promise<CapabilityFinding> {
  const answer = await probe(base, path);
  const doc = jsonObject(answer);
  if (doc && fits(doc)) return found(`GET ${path} answered ${isAnswer(answer) ? answer.status : ''} JSON`);
  return missing(`${described('GET', path, answer)}, not ${expected}`);
}

const both = (a: CapabilityFinding, b: CapabilityFinding): CapabilityFinding =>
  a.present && b.present
    ? found(`${a.detail}; ${b.detail}`)
    : missing(
        [a, b]
          .filter((f) => !f.present)
          .map((f) => f.detail)
          .join('; '),
      );

const isNumber = (v: unknown) => typeof v === 'number';
const TOOLS = ['write_file', 'read_file', 'cpu_hash'];

async function upstreamFinding(base: string, control: string | undefined): Promise<CapabilityFinding> {
  if (!control) return missing('no upstream fault proxy: none was started and no --upstream URL was given');
  const lanes = jsonObject(await probe(control, '/proxies'))?.proxies;
  if (!Array.isArray(lanes) || lanes.length === 0)
    return missing(
      `${control}/proxies lists no provider lanes (is it the stampede-upstream proxy's control URL?)`,
    );
  const urls = lanes
    .map((l) => (l as { url?: unknown }).url)
    .filter((u): u is string => typeof u === 'string');
  const providers = jsonObject(await probe(base, '/providers/health'))?.providers;
  if (!Array.isArray(providers))
    return found(
      `${lanes.length} proxy lane(s) (wiring not checked: the target has no GET /providers/health)`,
    );
  const upstreams = providers.map((p) => String((p as { upstream?: unknown }).upstream));
  if (!upstreams.some((u) => urls.includes(u.replace(/\/$/, ''))))
    return missing(
      `the target's providers call ${upstreams.join(', ')}, none of the proxy's lanes ${urls.join(', ')}: configure its provider base URLs with the proxy's`,
    );
  return found(`${lanes.length} proxy lane(s), the target's providers call them`);
}

async function restartFinding(base: string, hook: string | undefined): Promise<CapabilityFinding> {
  if (hook) return found(`restart hook: ${hook}`);
  const stats = await probe(base, '/admin/stats');
  const process = jsonObject(stats)?.process as { supervised?: unknown; pid?: unknown } | undefined;
  if (process?.supervised !== true)
    return missing(
      `no restart hook in the config, and ${process ? 'GET /admin/stats says the target is not supervised' : `${described('GET', '/admin/stats', stats)}, no supervised process`}`,
    );
  const route = await postRoute(base, '/admin/restart-process');
  return route.present ? found(`supervised (pid ${String(process.pid)}); ${route.detail}`) : route;
}

export async function probeTarget(target: string, options: ProbeOptions = {}): Promise<TargetProbe> {
  const alive = await probe(target, '/');
  const providers = await probe(target, '/providers');
  const chain = jsonObject(providers)?.chain;
  const head = Array.isArray(chain) && typeof chain[0] === 'string' ? chain[0] : 'primary';
  const checks: Record<TargetCapability, Promise<CapabilityFinding>> = {
    process: postRoute(target, '/process'),
    sessions: jsonRoute(target, '/sessions', 'a JSON {live: number}', (d) => isNumber(d.live)),
    'session-lookup': jsonRoute(target, '/sessions/stampede-probe', 'a JSON answer', () => true),
    'session-corrupt': postRoute(target, '/admin/sessions/stampede-probe/corrupt'),
    providers: Promise.resolve(
      Array.isArray(chain) && chain.length > 0 && chain.every((p) => typeof p === 'string')
        ? found(`GET /providers: chain ${chain.join(', ')}`)
        : missing(`${described('GET', '/providers', providers)}, not a JSON {chain: [names]}`),
    ),
    'provider-admin': postRoute(target, `/admin/providers/${encodeURIComponent(head)}`),
    'primary-switch': postRoute(target, '/admin/primary'),
    config: Promise.all([
      jsonRoute(
        target,
        '/config',
        'a JSON {version, config}',
        (d) => typeof d.config === 'object' && d.config !== null,
      ),
      postRoute(target, '/config'),
    ]).then(([a, b]) => both(a, b)),
    tools: Promise.all([
      jsonRoute(target, '/tools', `a JSON {tools} listing ${TOOLS.join(', ')}`, (d) =>
        TOOLS.every(
          (t) => Array.isArray(d.tools) && d.tools.some((x) => (x as { name?: unknown })?.name === t),
        ),
      ),
      postRoute(target, '/tools/execute'),
    ]).then(([a, b]) => both(a, b)),
    'rss-metric': probe(target, '/metrics').then((r) =>
      isAnswer(r) &&
      r.status === 200 &&
      /^process_resident_memory_bytes(?:\{[^}]*\})? [0-9.eE+-]+$/m.test(r.body)
        ? found('GET /metrics has process_resident_memory_bytes')
        : missing(`${described('GET', '/metrics', r)}, without process_resident_memory_bytes`),
    ),
    'memory-stats': jsonRoute(
      target,
      '/admin/memory?gc=1',
      'a JSON {heapUsedAfterGc, rss}',
      (d) => isNumber(d.heapUsedAfterGc) && isNumber(d.rss),
    ),
    upstream: upstreamFinding(target, options.upstream),
    restart: restartFinding(target, options.restartHook),
  };
  const capabilities = Object.fromEntries(
    await Promise.all(TARGET_CAPABILITIES.map(async (c) => [c, await checks[c]] as const)),
  ) as Record<TargetCapability, CapabilityFinding>;
  return {
    target,
    reachable: isAnswer(alive),
    unreachableReason: isAnswer(alive) ? undefined : `GET / failed (${alive.error})`,
    capabilities,
  };
}

/** What of `needs` the probed target lacks (nothing when it did not answer at all). */
export function lackingOf(probed: TargetProbe, needs: readonly TargetCapability[] = []): TargetCapability[] {
  return probed.reachable ? needs.filter((c) => !probed.capabilities[c].present) : [];
}

/** Why a case needing `needs` does not apply to the probed target, or undefined when it does. */
export function notApplicableReason(
  probed: TargetProbe,
  needs: readonly TargetCapability[] = [],
): string | undefined {
  const lacking = lackingOf(probed, needs);
  if (lacking.length === 0) return undefined;
  const readmes = [...new Set(lacking.map((c) => CAPABILITY_INFO[c].readme))];
  return `not applicable: the target lacks ${lacking.map((c) => `${CAPABILITY_INFO[c].needs} [${probed.capabilities[c].detail}]`).join('; ')} (see ${readmes.join(', ')})`;
}
