/**
 * The upstream fault proxy: one listening port per provider in front of its upstream, and a control
 * API on a port of its own to set each provider's faults at run time:
 *
 *   GET    /health                    {ok: true}
 *   GET    /proxies                   {proxies: [<lane>]}
 *   GET    /proxies/:name             <lane>: {name, url, upstream, faults, faultsSince, counts}
 *   GET    /proxies/:name/faults      {name, faults}
 *   POST   /proxies/:name/faults      the whole fault set (fields left out are off) -> {name, faults}
 *   DELETE /proxies/:name/faults      clears them -> {name, faults: {}}
 *   POST   /faults, DELETE /faults    the same for every provider at once -> {proxies: [{name, faults}]}
 */
import { z } from 'zod';
import { providerNameSchema } from '../config.js';
import { notFound } from '../httpErrors.js';
import { listen, ok, stopServer, urlOf } from '../jsonHttp.js';
import { createJsonService, type ServiceRoute } from '../jsonService.js';
import { proxyFaultsSchema, type ProxyFaults } from './faults.js';
import { ProxyLane } from './lane.js';

export type { ProxyFaults } from './faults.js';
export type { LaneCounts, LaneInfo } from './lane.js';

const port = z.number().int().min(0).max(65535);
const proxyOptionsSchema = z
  .object({
    /** Provider name -> the upstream's base URL. */
    upstreams: z
      .record(
        providerNameSchema,
        z
          .string()
          .url()
          .refine((u) => u.startsWith('http://'), 'expected an http:// URL'),
      )
      .refine((u) => Object.keys(u).length > 0 && Object.keys(u).length <= 16, 'expected 1 to 16 upstreams'),
    host: z.string().min(1).max(255).default('127.0.0.1'),
    controlPort: port.default(0),
    /** Fixed listening ports per provider; others get a free port. */
    ports: z.record(providerNameSchema, port).default({}),
  })
  .strict();
export type UpstreamProxyOptions = z.input<typeof proxyOptionsSchema> & { log?: (line: string) => void };

export interface RunningUpstreamProxy {
  /** Base URL of the control API. */
  controlUrl: string;
  /** Provider name -> the proxy's URL for it: what a target uses as that provider's base URL. */
  urls: Record<string, string>;
  setFaults(name: string, faults: ProxyFaults): void;
  lanes(): ReturnType<ProxyLane['info']>[];
  close(): Promise<void>;
}

export async function startUpstreamProxy(options: UpstreamProxyOptions): Promise<RunningUpstreamProxy> {
  const { log = (line: string) => process.stderr.write(`stampede-upstream proxy: ${line}\n`), ...rest } =
    options;
  const parsed = proxyOptionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid proxy option ${issue?.path.join('.') || '(options)'}: ${issue?.message}`);
  }
  const { upstreams, host, controlPort, ports } = parsed.data;
  const lanes = new Map(
    Object.entries(upstreams).map(([name, url]) => [name, new ProxyLane(name, new URL(url))]),
  );
  const control = createJsonService(controlRoutes(lanes), log);
  const close = async () => {
    await Promise.all([stopServer(control), ...[...lanes.values()].map((lane) => lane.close())]);
  };
  try {
    for (const lane of lanes.values()) await lane.start(host, ports[lane.name] ?? 0);
    const bound = await listen(control, controlPort, host);
    return {
      controlUrl: urlOf(host, bound),
      urls: Object.fromEntries([...lanes.values()].map((lane) => [lane.name, lane.url])),
      setFaults: (name, faults) => laneOf(lanes, name).setFaults(proxyFaultsSchema.parse(faults)),
      lanes: () => [...lanes.values()].map((lane) => lane.info()),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function laneOf(lanes: ReadonlyMap<string, ProxyLane>, name: string): ProxyLane {
  const lane = lanes.get(name);
  if (!lane)
    throw notFound(
      'unknown_proxy',
      `no proxied provider named "${name}"; known: ${[...lanes.keys()].join(', ')}`,
    );
  return lane;
}

function controlRoutes(lanes: ReadonlyMap<string, ProxyLane>): ServiceRoute[] {
  const faultsOf = (lane: ProxyLane) => ({ name: lane.name, faults: lane.info().faults });
  const setAll = (faults: ProxyFaults) => {
    for (const lane of lanes.values()) lane.setFaults(faults);
    return ok({ proxies: [...lanes.values()].map(faultsOf) });
  };
  return [
    { method: 'GET', path: '/health', handle: () => ok({ ok: true }) },
    {
      method: 'GET',
      path: '/proxies',
      handle: () => ok({ proxies: [...lanes.values()].map((l) => l.info()) }),
    },
    { method: 'GET', path: '/proxies/:name', handle: ({ params }) => ok(laneOf(lanes, params.name).info()) },
    {
      method: 'GET',
      path: '/proxies/:name/faults',
      handle: ({ params }) => ok(faultsOf(laneOf(lanes, params.name))),
    },
    {
      method: 'POST',
      path: '/proxies/:name/faults',
      async handle({ params, body }) {
        const lane = laneOf(lanes, params.name);
        lane.setFaults(await body(proxyFaultsSchema));
        return ok(faultsOf(lane));
      },
    },
    {
      method: 'DELETE',
      path: '/proxies/:name/faults',
      handle({ params }) {
        const lane = laneOf(lanes, params.name);
        lane.setFaults({});
        return ok(faultsOf(lane));
      },
    },
    { method: 'POST', path: '/faults', handle: async ({ body }) => setAll(await body(proxyFaultsSchema)) },
    { method: 'DELETE', path: '/faults', handle: () => setAll({}) },
  ];
}
