/** Liveness, Prometheus metrics and the request counts the cluster checks its report against. */
import { METRICS_CONTENT_TYPE, renderMetrics } from '../metrics.js';
import { ok, type Reply, type Route } from '../router.js';

const pong = (): Reply => ok({ ok: true });

export const observabilityRoutes: Route[] = [
  { method: 'GET', path: '/', handle: pong },
  { method: 'GET', path: '/ping', handle: pong },
  {
    method: 'GET',
    path: '/metrics',
    control: true,
    handle: ({ runtime }) => ({
      status: 200,
      text: renderMetrics(runtime),
      contentType: METRICS_CONTENT_TYPE,
    }),
  },
  {
    method: 'GET',
    path: '/admin/stats',
    control: true,
    handle: ({ runtime }) =>
      ok({
        ...runtime.stats.snapshot(),
        byAgent: runtime.agents.snapshot(),
        connections: runtime.connections.snapshot(runtime.faults.maxOpenConnections),
        websocket: runtime.websocket.snapshot(),
        process: { ...runtime.process, uptimeMs: Date.now() - runtime.process.startedAt },
      }),
  },
];
