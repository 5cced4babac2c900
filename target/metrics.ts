/** GET /metrics in the Prometheus text exposition format (version 0.0.4). */
import { ATTEMPT_OUTCOMES } from './providers.js';
import type { TargetRuntime } from './runtime.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string | number>;

class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge', help: string, samples: [Labels, number][]): this {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${formatLabels(labels)} ${value}`);
    return this;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

export function renderMetrics(runtime: TargetRuntime): string {
  const { sessions, config, providers } = runtime.state;
  const health = providers.health();
  const memory = process.memoryUsage();
  return new Exposition()
    .family(
      'stampede_target_requests_total',
      'counter',
      'Requests answered, by method, route pattern and status (GET /admin/stats not counted).',
      runtime.stats.counts().map(({ method, route, status, count }) => [{ method, route, status }, count]),
    )
    .family('stampede_target_sessions_live', 'gauge', 'Live sessions.', [[{}, sessions.live]])
    .family('stampede_target_sessions_peak', 'gauge', 'Highest live session count since start or restart.', [
      [{}, sessions.peak],
    ])
    .family('stampede_target_sessions_max', 'gauge', 'Configured session cap.', [
      [{}, config.current.maxSessions],
    ])
    .family('stampede_target_sessions_evicted_total', 'counter', 'Sessions evicted by the cap.', [
      [{}, sessions.evictedTotal],
    ])
    .family(
      'stampede_target_provider_healthy',
      'gauge',
      '1 when the provider is available and has not failed 3 calls in a row.',
      health.map((p) => [{ provider: p.name, state: p.state }, p.healthy ? 1 : 0]),
    )
    .family(
      'stampede_target_provider_calls_total',
      'counter',
      'Simulated provider calls by outcome.',
      health.flatMap((p) =>
        ATTEMPT_OUTCOMES.map((outcome): [Labels, number] => [
          { provider: p.name, outcome },
          p.calls[outcome],
        ]),
      ),
    )
    .family('stampede_target_leaked_bytes', 'gauge', 'Bytes held by the leak fault switch.', [
      [{}, runtime.leaked.bytes],
    ])
    .family('process_resident_memory_bytes', 'gauge', 'Resident set size of the target process.', [
      [{}, memory.rss],
    ])
    .family('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.', [[{}, memory.heapUsed]])
    .text();
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(String(value))}"`);
  return pairs.length > 0 ? `{${pairs.join(',')}}` : '';
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
