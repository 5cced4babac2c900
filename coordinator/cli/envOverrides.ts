/** The STRESS_TEST_* variables applied to the loaded config of a `run`. */
import type { StressConfig } from '../../shared/config/config.js';
import { envConcurrency, envMemoryLimitBytes } from './env.js';

export function applyEnvOverrides(config: StressConfig): void {
  const concurrency = envConcurrency();
  if (concurrency !== undefined) {
    const c = config.cases.get('concurrency.high_concurrent_requests');
    if (c)
      config.cases.set('concurrency.high_concurrent_requests', {
        ...c,
        load: { ...c.load, connections: concurrency, requests: concurrency },
      });
  }
  const memoryLimit = envMemoryLimitBytes();
  if (memoryLimit !== undefined) {
    // Every memory case samples the target's peak RSS; the limit replaces its configured bound.
    for (const [id, c] of config.cases) {
      if (!id.startsWith('memory.')) continue;
      const others = c.thresholds.filter((t) => t.metric !== 'gauge.peakRssBytes');
      config.cases.set(id, {
        ...c,
        thresholds: [
          ...others,
          {
            metric: 'gauge.peakRssBytes',
            op: '<=',
            value: memoryLimit,
            description: 'target resident memory under STRESS_TEST_MEMORY_LIMIT',
          },
        ],
      });
    }
  }
}
